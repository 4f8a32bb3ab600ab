"""factory_boy factories for every model (append new ones at the end of the file)."""

import datetime
import uuid

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from auth_app import crypto
from auth_app.models import ApiKey, AuditLog, DeprecatedEndpointCall, UserLlmDefault, UserRules
from knowledge_app import models as knowledge
from knowledge_app.embeddings import content_hash
from specs_app import models as specs
from teams_app import models as teams
from teams_app.services import hash_invitation_token


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

    @classmethod
    def _create(cls, model_class, *args, template_id=None, **kwargs):
        # template_id: the question bank template, kept in phase 4's question_templates.
        question = super()._create(model_class, *args, **kwargs)
        if template_id:
            specs.QuestionTemplate.objects.create(question=question, template_id=template_id)
        return question


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


class UserRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserRules

    user = factory.SubFactory(UserFactory)
    rules = factory.LazyFunction(dict)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A stored key; ``api_key`` (not a column) is encrypted the way the service does it."""

    class Meta:
        model = ApiKey
        exclude = ("api_key",)

    user = factory.SubFactory(UserFactory)
    provider = "claude"
    api_key = "sk-ant-factory-0123456789-ABCD"
    api_key_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.api_key))
    key_last_four = factory.LazyAttribute(lambda o: o.api_key[-4:])


class DeprecatedEndpointCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeprecatedEndpointCall

    endpoint = "POST /api/v1/sessions/{session_id}/submit-answer/"
    day = factory.LazyFunction(datetime.date.today)


class TestResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.TestResult

    project = factory.SubFactory(ProjectFactory)


class LlmUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.LlmUsage

    user_id = factory.LazyFunction(uuid.uuid4)
    project = factory.SubFactory(ProjectFactory)
    provider = "claude"
    model = "claude-sonnet-4-5"


class GeneratedProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.GeneratedProject

    project = factory.SubFactory(ProjectFactory)
    generation_version = factory.Sequence(lambda n: n + 1)


class GeneratedFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.GeneratedFile

    generated_project = factory.SubFactory(GeneratedProjectFactory)
    file_path = factory.Sequence(lambda n: f"src/module_{n}.py")
    file_content = "print('hello')\n"


class UserBehaviorPatternFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = knowledge.UserBehaviorPattern

    user_id = factory.LazyFunction(uuid.uuid4)
    pattern_type = "detail_level"
    pattern_data = factory.LazyFunction(lambda: {"value": "brief"})


class QuestionEffectivenessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = knowledge.QuestionEffectiveness

    user_id = factory.LazyFunction(uuid.uuid4)
    question_template_id = factory.Sequence(lambda n: f"goals.template_{n}")


class KnowledgeBaseDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = knowledge.KnowledgeBaseDocument

    project = factory.SubFactory(ProjectFactory)
    user_id = factory.LazyAttribute(lambda o: o.project.owner_id)
    filename = factory.Sequence(lambda n: f"notes-{n}.txt")
    content = "Bookings are confirmed by email within five minutes."


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = teams.Team

    name = factory.Sequence(lambda n: f"Team {n}")
    created_by = factory.SubFactory(UserFactory)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = teams.TeamMember

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = "developer"


class TeamInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; ``raw_token`` (not a column) is what the invitee would hold."""

    class Meta:
        model = teams.TeamInvitation
        exclude = ("raw_token",)

    team = factory.SubFactory(TeamFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = "developer"
    raw_token = factory.Sequence(lambda n: f"invitation-token-{n:040d}")
    token = factory.LazyAttribute(lambda o: hash_invitation_token(o.raw_token))
    invited_by = factory.LazyAttribute(lambda o: o.team.created_by)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class ProjectShareFactory(factory.django.DjangoModelFactory):
    """A share of a project with a team (ids across the databases, as the service writes)."""

    class Meta:
        model = teams.ProjectShare
        exclude = ("team",)

    project = factory.SubFactory(ProjectFactory)
    team = factory.SubFactory(TeamFactory)
    team_id = factory.LazyAttribute(lambda o: o.team.pk)
    shared_by = factory.LazyAttribute(lambda o: o.project.owner_id)
    permission_level = "read"


class UserLlmDefaultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserLlmDefault

    user = factory.SubFactory(UserFactory)
    provider = "openai"
    model = "gpt-4o"


class ProjectLlmChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.ProjectLlmChoice

    project = factory.SubFactory(ProjectFactory)
    provider = "gemini"


class QuestionTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = specs.QuestionTemplate

    question = factory.SubFactory(QuestionFactory)
    template_id = "goals.problem"


class KnowledgePassageFactory(factory.django.DjangoModelFactory):
    """One passage: the whole (short) content of its document, as the backfill would cut it."""

    class Meta:
        model = knowledge.KnowledgePassage

    document = factory.SubFactory(KnowledgeBaseDocumentFactory)
    project_id = factory.LazyAttribute(lambda o: o.document.project_id)
    ordinal = 0
    start_offset = 0
    end_offset = factory.LazyAttribute(lambda o: len(o.document.content))
    token_count = 10
    text = factory.LazyAttribute(lambda o: o.document.content)
    embedding = factory.LazyFunction(lambda: [1.0] + [0.0] * 383)
    embedding_model = "sentence-transformers/all-MiniLM-L6-v2"
    content_hash = factory.LazyAttribute(lambda o: content_hash(o.document.content))
