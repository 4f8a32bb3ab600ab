"""Auth serializers. Input is validated here; rules (uniqueness, password policy) live in
auth_app.services."""

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from socrates.api import serializers as api_serializers

User = get_user_model()

# Tokens are a few hundred bytes; the cap only keeps absurd input out of the JWT decoder.
TOKEN_MAX_LENGTH = 4096
PASSWORD_MAX_LENGTH = 128


class RegisterSerializer(api_serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, write_only=True, trim_whitespace=False
    )


class TokenObtainSerializer(api_serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, write_only=True, trim_whitespace=False
    )


class TokenPairSerializer(api_serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class RefreshSerializer(api_serializers.Serializer):
    refresh = serializers.CharField(max_length=TOKEN_MAX_LENGTH)


class AccessSerializer(api_serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(
        read_only=True,
        required=False,
        help_text="The new refresh token: refresh tokens rotate, and the one sent is no longer "
        "accepted.",
    )


class LogoutSerializer(api_serializers.Serializer):
    refresh = serializers.CharField(max_length=TOKEN_MAX_LENGTH)


class UserV1Serializer(api_serializers.ModelSerializer):
    """The phase-0 view of a user (frozen)."""

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "date_joined"]
        read_only_fields = fields


class UserV2Serializer(api_serializers.ModelSerializer):
    # Read from phase 3's user_llm_defaults (null below phase 3 or when unset).
    default_llm_provider = serializers.CharField(read_only=True, allow_null=True, max_length=20)
    default_llm_model = serializers.CharField(read_only=True, allow_null=True, max_length=100)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "date_joined",
            "last_login",
            "default_llm_provider",
            "default_llm_model",
        ]
        read_only_fields = fields


USER_SERIALIZERS = {"v1": UserV1Serializer, "v2": UserV2Serializer}
