"""Swagger UI and admin assets are served without DEBUG and without internet."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/admin/css/base.css",
    ],
)
def test_static_assets_are_served_with_debug_off(client, settings, path):
    settings.DEBUG = False

    response = client.get(path)

    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 1000
