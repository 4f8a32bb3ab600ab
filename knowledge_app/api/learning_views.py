"""GET /api/v2/me/learning/: the caller's behaviour patterns and template effectiveness."""

from rest_framework.response import Response

from knowledge_app import learning
from knowledge_app.api.learning_serializers import LearningSummarySerializer
from socrates.api.views import ApiView


class MyLearningView(ApiView):
    phase = 5  # learning tables
    serializer_classes = {"v2": LearningSummarySerializer}

    def get(self, request):
        """Return what Socrates has learned about me: patterns and template effectiveness."""
        summary = learning.learning_summary(user_id=request.user.pk)
        return Response(self.get_serializer(summary).data)
