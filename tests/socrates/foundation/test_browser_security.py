"""HTML pages carry a Content-Security-Policy they still work under: every script is a file of
this origin (no inline script), and every asset they reference is served."""

import re

import pytest

from tests.helpers import BOTH

pytestmark = pytest.mark.django_db(databases=BOTH)

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def page_checked(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    html = response.content.decode()
    for attributes, body in SCRIPT.findall(html):
        # An inline script would be blocked by script-src 'self'.
        assert "src=" in attributes and not body.strip(), f"inline script on {url}"
    for asset in set(ASSET.findall(html)):
        assert client.get(asset).status_code == 200, asset
    return html


def test_the_admin_login_page_works_under_its_policy(client):
    page_checked(client, "/admin/login/")


def test_the_admin_index_works_under_its_policy(admin_client):
    page_checked(admin_client, "/admin/")


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_swagger_ui_works_under_its_policy_with_its_start_script_as_a_file(client, version):
    html = page_checked(client, f"/api/{version}/docs/")

    script = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script, "the start-up script is not a file"
    start = client.get(script.group(1).replace("&amp;", "&"))
    assert start.status_code == 200
    assert "SwaggerUIBundle" in start.content.decode()
