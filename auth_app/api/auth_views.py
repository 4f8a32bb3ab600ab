"""Auth endpoints, the same paths in v1 and v2: register, token, refresh, logout, me."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.tokens import Token

from auth_app import services
from auth_app.api import auth_serializers as s
from socrates.api.throttles import AuthRateThrottle
from socrates.api.views import ApiView


class PublicAuthView(ApiView):
    """Anonymous, throttled (scope ``auth``), and exempt from session CSRF."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Bad credentials or tokens are a 401 with a challenge, even with no authenticator.
        return 'Bearer realm="api"'


class RegisterView(PublicAuthView):
    serializer_classes = {"v1": s.RegisterSerializer, "v2": s.RegisterSerializer}
    response_serializer_classes = s.USER_SERIALIZERS
    created_methods = ("POST",)

    @extend_schema(request=s.RegisterSerializer, responses=s.UserV1Serializer, versions=["v1"])
    @extend_schema(request=s.RegisterSerializer, responses=s.UserV2Serializer, versions=["v2"])
    def post(self, request):
        """Create an account."""
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data, request=request)
        output = self.get_response_serializer(user)
        return Response(output.data, status=status.HTTP_201_CREATED)


class TokenObtainView(PublicAuthView):
    extra_error_codes = ("401",)
    serializer_classes = {"v1": s.TokenObtainSerializer, "v2": s.TokenObtainSerializer}

    @extend_schema(request=s.TokenObtainSerializer, responses=s.TokenPairSerializer)
    def post(self, request):
        """Exchange a username and password for an access and a refresh token."""
        s.TokenObtainSerializer(data=request.data).is_valid(raise_exception=True)
        # The Django request itself: django-axes marks a locked-out login on it, and its
        # middleware answers 429 for that account (auth_app.lockout).
        serializer = TokenObtainPairSerializer(
            data=request.data, context={"request": request._request}
        )
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        services.login_record(user=serializer.user, request=request, method="jwt")
        return Response(serializer.validated_data)


class TokenRefreshView(PublicAuthView):
    extra_error_codes = ("401",)
    serializer_classes = {"v1": s.RefreshSerializer, "v2": s.RefreshSerializer}

    @extend_schema(request=s.RefreshSerializer, responses=s.AccessSerializer)
    def post(self, request):
        """Exchange a refresh token (not blacklisted) for a new access token."""
        s.RefreshSerializer(data=request.data).is_valid(raise_exception=True)
        serializer = TokenRefreshSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(serializer.validated_data)


class LogoutView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_classes = {"v1": s.LogoutSerializer, "v2": s.LogoutSerializer}

    @extend_schema(request=s.LogoutSerializer, responses={204: None})
    def post(self, request):
        """Blacklist the given refresh token of the current user."""
        serializer = s.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.logout(
            user=request.user,
            refresh=serializer.validated_data["refresh"],
            access=request.auth if isinstance(request.auth, Token) else None,
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_classes = s.USER_SERIALIZERS

    def get(self, request):
        """Return the current user."""
        return Response(self.get_serializer(request.user).data)
