"""Admin for socrates_auth: users, audit log, user rules, LLM API keys."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from socrates.crossdb_admin import ServiceDeleteMixin, ViewOnlyAdminMixin, admin_link
from socrates.phase_admin import PhaseAdminMixin

from . import hooks
from .models import ApiKey, AuditLog, DeprecatedEndpointCall, User, UserLlmDefault, UserRules

TIMESTAMPS = ("created_at", "updated_at")


class EmailRequiredMixin:
    """Require an email that no other user has, ignoring case (as users_email_ci_unique does)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = User._base_manager.filter(email__iexact=email)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class SocratesUserCreationForm(EmailRequiredMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class SocratesUserChangeForm(EmailRequiredMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class UserRulesInline(admin.StackedInline):
    model = UserRules
    extra = 0
    max_num = 1
    can_delete = False
    readonly_fields = TIMESTAMPS


class UserLlmDefaultInline(admin.StackedInline):
    """Phase 3: the user's default LLM (its own table; see auth_app 0007)."""

    model = UserLlmDefault
    extra = 0
    max_num = 1
    readonly_fields = ("updated_at",)


class ApiKeyInline(admin.TabularInline):
    """The user's keys, without the ciphertext; keys are added through the API only."""

    model = ApiKey
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("provider", "masked_key", "is_active", "last_used_at", "created_at")
    readonly_fields = ("provider", "masked_key", "last_used_at", "created_at")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="key")
    def masked_key(self, obj):
        return f"…{obj.key_last_four}" if obj.key_last_four else "—"


@admin.register(User)
class UserAdmin(PhaseAdminMixin, ServiceDeleteMixin, DjangoUserAdmin):
    form = SocratesUserChangeForm
    add_form = SocratesUserCreationForm
    list_display = ("username", "email", "is_active", "is_staff", "is_superuser", "created_at")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("username", "email", "first_name", "last_name", "=id")
    readonly_fields = ("id", "last_login", "date_joined", *TIMESTAMPS)
    fieldsets = (
        (None, {"fields": ("id", "username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined", *TIMESTAMPS)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = (UserRulesInline, UserLlmDefaultInline, ApiKeyInline)

    def delete_with_service(self, request, obj):
        # The user's ids live on in socrates_specs: deleting a user is the project root's
        # cross-database work (socrates.deletion), registered in auth_app.hooks.
        hooks.user_deleter()(user_id=obj.pk, actor=request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # Columns added by later migrations show up without editing this list.
        listed = {name for _, options in fieldsets for name in options["fields"]}
        extra = tuple(
            field.name
            for field in User._meta.concrete_fields
            if field.editable and field.name not in listed
        )
        return (*fieldsets, ("Other", {"fields": extra})) if extra else fieldsets

    def get_inlines(self, request, obj):
        # Rules and keys belong to an existing user; the add page only creates the account.
        return self.inlines if obj is not None else ()


@admin.register(AuditLog)
class AuditLogAdmin(ViewOnlyAdminMixin, PhaseAdminMixin, admin.ModelAdmin):
    """The audit trail is append-only: visible here, never edited or deleted."""

    list_display = ("timestamp", "action", "user", "resource_type", "resource", "ip")
    list_filter = ("resource_type", "timestamp")
    # What an audited resource id names, by resource_type (team_member rows name their team).
    RESOURCE_MODELS = {
        "user": "auth_app.User",
        "team": "teams_app.Team",
        "team_member": "teams_app.Team",
        "team_invitation": "teams_app.TeamInvitation",
        "project": "specs_app.Project",
        "project_share": "teams_app.ProjectShare",
    }
    search_fields = ("action", "resource_id", "user__email", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "timestamp"
    show_full_result_count = False

    @admin.display(description="resource", ordering="resource_id")
    def resource(self, obj):
        """The resource by name with a link (an API key's resource is its provider)."""
        label = self.RESOURCE_MODELS.get(obj.resource_type)
        if label is None or not obj.resource_id:
            return obj.resource_id or "—"
        return admin_link(label, obj.resource_id)


@admin.register(UserRules)
class UserRulesAdmin(PhaseAdminMixin, admin.ModelAdmin):
    list_display = ("user", "rule_count", "updated_at")
    search_fields = ("user__email", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("id", *TIMESTAMPS)

    @admin.display(description="rules")
    def rule_count(self, obj):
        return len(obj.rules or {})


@admin.register(ApiKey)
class ApiKeyAdmin(PhaseAdminMixin, admin.ModelAdmin):
    """API keys without their ciphertext.

    A key is encrypted by the service that receives it through the API, so the admin cannot add
    one; it can only show a key's metadata and switch it off or on.
    """

    list_display = (
        "user",
        "provider",
        "masked_key",
        "is_active",
        "last_used_at",
        "created_at",
        "updated_at",
    )
    list_filter = ("provider", "is_active")
    search_fields = ("user__email", "user__username", "=user__id")
    list_select_related = ("user",)
    exclude = ("api_key_encrypted",)
    fields = (
        "id",
        "user",
        "provider",
        "masked_key",
        "is_active",
        "last_used_at",
        *TIMESTAMPS,
    )
    readonly_fields = ("id", "user", "provider", "masked_key", "last_used_at", *TIMESTAMPS)

    def get_queryset(self, request):
        # Never even load the ciphertext into the admin's process.
        return super().get_queryset(request).defer("api_key_encrypted")

    def has_add_permission(self, request):
        return False

    @admin.display(description="key", ordering="key_last_four")
    def masked_key(self, obj):
        return f"…{obj.key_last_four}" if obj.key_last_four else "—"


@admin.register(DeprecatedEndpointCall)
class DeprecatedEndpointCallAdmin(PhaseAdminMixin, admin.ModelAdmin):
    """Who still calls deprecated endpoints: counters kept by the API, read-only here."""

    list_display = ("endpoint", "user", "day", "calls", "first_called_at", "last_called_at")
    list_filter = ("endpoint", "day")
    search_fields = ("endpoint", "user__email", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UserLlmDefault)
class UserLlmDefaultAdmin(PhaseAdminMixin, admin.ModelAdmin):
    """Phase 3: users' default LLMs (also editable inline on each user's page)."""

    list_display = ("user", "provider", "model", "updated_at")
    list_filter = ("provider",)
    search_fields = ("user__username", "user__email")
    readonly_fields = ("updated_at",)
    raw_id_fields = ("user",)
