"""`/api/v2/` route of phase 5 learning: what Socrates has learned about the caller."""

from django.urls import path

from knowledge_app.api.learning_views import MyLearningView

urlpatterns = [
    path("me/learning/", MyLearningView.as_view(), name="me-learning"),
]
