"""OpenAPI generation (drf-spectacular) adapted to this API's conventions.

Views declare, as plain attributes, what the generator cannot guess from an APIView:
``list_methods`` (methods answering a paginated list), ``created_methods`` (methods answering
201), ``filter_serializer_class`` (the query filters of GET) and ``extra_error_codes`` (an error
status the rules below cannot infer: 401 from the public token views, 404 from a lookup by a
body field). Every operation documents the error responses it can give, in the single error shape.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="One readable line, naming the field if any.")
    details = serializers.JSONField(help_text="Per-field messages or extra context.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input (the message names the field).",
    "401": "Not authenticated.",
    "403": "Authenticated, but the access level is too low.",
    "404": "No such resource, or not visible to this user.",
    "409": "Conflicts with the resource's current state.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}


class AutoSchema(SpectacularAutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        if self.method in getattr(self.view, "list_methods", ()):
            return True
        return super()._is_list_view(serializer)

    def _is_create_operation(self) -> bool:
        if self.method in getattr(self.view, "created_methods", ()):
            return True
        return super()._is_create_operation()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        getter = getattr(self.view, "get_filter_serializer_class", None)
        filters = getter() if getter else getattr(self.view, "filter_serializer_class", None)
        if filters is not None and self.method == "GET":
            parameters.append(filters)
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        permissions = getattr(self.view, "permission_classes", ())
        if not any(permission is AllowAny for permission in permissions):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        codes += getattr(self.view, "extra_error_codes", ())
        if self.method in getattr(self.view, "conflict_methods", ()):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


VERSION_NOTES = {
    "v1": "v1 is the frozen contract of the first clients: a body field it does not know is "
    "accepted and ignored, and a query filter sent empty (`?status=`) is ignored.",
    "v2": "A body field that an operation does not know is a 400 naming it; so is a query "
    "filter sent empty (`?status=`).",
}


def describe_version(result, generator, request=None, public=True, **kwargs):
    """Postprocessing hook: say in each document how its version treats unknown body fields."""
    note = VERSION_NOTES.get(getattr(generator, "api_version", None) or "")
    if note:
        result["info"]["description"] = f"{result['info'].get('description', '')}\n\n{note}"
    return result
