from django.apps import AppConfig


class AuthAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "auth_app"
    verbose_name = "Accounts"

    def ready(self):
        # Django's login views (admin, browsable API) and authenticate() only expose signals;
        # the receivers hand over to auth_app.services, which owns the audit log.
        from django.contrib.auth import signals

        from auth_app import services
        from socrates.api.deprecation import register_call_recorder

        signals.user_logged_in.connect(services.on_user_logged_in, dispatch_uid="audit_login")
        signals.user_logged_out.connect(services.on_user_logged_out, dispatch_uid="audit_logout")
        signals.user_login_failed.connect(
            services.on_user_login_failed, dispatch_uid="audit_login_failed"
        )
        # socrates.api (a lower layer) marks deprecated endpoints; their calls are counted in
        # our deprecated_endpoint_calls table.
        register_call_recorder(services.deprecated_call_record, phase=3)
