"""factory_boy factories for every model (append new ones at the end of the file)."""

import uuid

import factory
from django.contrib.auth import get_user_model

from auth_app.models import AuditLog
from specs_app import models as specs


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("s3cret-Passw0rd")


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLog

    user = factory.SubFactory(UserFactory)
    action = "test.action"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.Project

    owner_id = factory.LazyFunction(uuid.uuid4)
    creator_id = factory.LazyAttribute(lambda o: o.owner_id)
    name = factory.Sequence(lambda n: f"Project {n}")
    description = "A project"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.Session

    project = factory.SubFactory(ProjectFactory)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.Question

    session = factory.SubFactory(SessionFactory)
    project = factory.LazyAttribute(lambda o: o.session.project)
    text = "What problem does the project solve?"
    category = "goals"


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.Specification

    project = factory.SubFactory(ProjectFactory)
    category = "tech_stack"
    key = factory.Sequence(lambda n: f"key{n}")
    value = "value"


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.ConversationHistory

    session = factory.SubFactory(SessionFactory)
    role = "user"
    content = "An answer"


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.Conflict

    project = factory.SubFactory(ProjectFactory)
    conflict_type = "technology"
    description = "Two databases chosen"


class QualityMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.QualityMetric

    project = factory.SubFactory(ProjectFactory)
    metric_type = "coverage"
    metric_value = 0.5
