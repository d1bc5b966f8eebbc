"""Managing webhook endpoints over GraphQL: secrets shown once, tenants apart, scope,
URLs refused."""

from __future__ import annotations

import jwt
import pytest

from tests.gateway.graphql.helpers import gateway
from tests.gateway.outbound.documents import (
    CREATE,
    DELETE,
    ENABLE,
    LIST,
    ROTATE,
    admin,
    outbound_settings,
)
from tests.support import JWT_SECRET, make_token

REDIS_URL = "redis://127.0.0.1:6379/0"

HOOK = "https://93.184.215.14/hooks/meetings"


async def test_secret_is_shown_at_creation_only_and_rotation_replaces_it() -> None:
    async with gateway(outbound_settings(jwt=True)) as g:
        token = admin()
        created = (await g.data(CREATE, {"input": {"url": HOOK}}, token))["createWebhookEndpoint"]
        endpoint = created["endpoint"]
        listed = await g.execute(LIST, token=token)
        rotated = (await g.data(ROTATE, {"id": endpoint["id"]}, token))[
            "rotateWebhookEndpointSecret"
        ]
        listed_after = await g.execute(LIST, token=token)
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) > 40
    assert endpoint["url"] == HOOK
    assert endpoint["types"] == []
    assert endpoint["roomId"] is None
    assert endpoint["enabled"] is True
    assert endpoint["lastDeliveryAt"] is None
    assert listed["data"]["webhookEndpoints"] == [
        {k: endpoint[k] for k in listed["data"]["webhookEndpoints"][0]}
    ]
    assert created["secret"] not in str(listed)
    assert rotated["endpoint"]["id"] == endpoint["id"]
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    assert rotated["secret"] not in str(listed_after)


async def test_filters_are_kept_and_room_id_is_checked() -> None:
    async with gateway(outbound_settings()) as g:
        variables = {"input": {"url": HOOK, "types": ["SESSION_ENDED"], "roomId": "vonage:room-1"}}
        endpoint = (await g.data(CREATE, variables))["createWebhookEndpoint"]["endpoint"]
        bad_room = await g.error(CREATE, {"input": {"url": HOOK, "roomId": "nowhere:1"}})
        not_an_id = await g.error(CREATE, {"input": {"url": HOOK, "roomId": "plain"}})
    assert endpoint["types"] == ["SESSION_ENDED"]
    assert endpoint["roomId"] == "vonage:room-1"
    for error in (bad_room, not_an_id):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "input.roomId"


async def test_tenants_see_and_change_only_their_own_endpoints() -> None:
    async with gateway(outbound_settings(jwt=True)) as g:
        acme, other = admin("acme"), admin("globex")
        created = (await g.data(CREATE, {"input": {"url": HOOK}}, acme))["createWebhookEndpoint"]
        endpoint_id = created["endpoint"]["id"]
        theirs = await g.data(LIST, token=other)
        delete = await g.error(DELETE, {"id": endpoint_id}, other)
        rotate = await g.error(ROTATE, {"id": endpoint_id}, other)
        still = await g.data(LIST, token=acme)
        deleted = await g.data(DELETE, {"id": endpoint_id}, acme)
        gone = await g.data(LIST, token=acme)
        again = await g.error(DELETE, {"id": endpoint_id}, acme)
    assert theirs == {"webhookEndpoints": []}
    assert delete["extensions"]["code"] == rotate["extensions"]["code"] == "NOT_FOUND"
    assert [e["id"] for e in still["webhookEndpoints"]] == [endpoint_id]
    assert deleted == {"deleteWebhookEndpoint": True}
    assert gone == {"webhookEndpoints": []}
    assert again["extensions"]["code"] == "NOT_FOUND"


def subject_admin(sub: str | None) -> str:
    """A ``webhooks:admin`` token without a tenant claim, with ``sub`` (or none)."""
    token = make_token("webhooks:admin", sub=sub)
    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    if sub is None:
        del claims["sub"]
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_without_a_tenant_endpoints_belong_to_the_subject(
    store: str, redis_prefix: str
) -> None:
    redis = {"redis_url": REDIS_URL, "events": {"redis_prefix": redis_prefix}}
    shared = redis if store == "redis" else {}
    settings = outbound_settings(jwt=True, shared=shared, max_endpoints_per_tenant=1)
    async with gateway(settings) as g:
        alice, bob = subject_admin("alice"), subject_admin("bob")
        created = (await g.data(CREATE, {"input": {"url": HOOK}}, alice))["createWebhookEndpoint"]
        endpoint_id = created["endpoint"]["id"]
        bobs = await g.data(LIST, token=bob)
        taken = await g.error(DELETE, {"id": endpoint_id}, bob)
        own = await g.data(CREATE, {"input": {"url": HOOK}}, bob)  # alice's one is not bob's
        tenant_named_alice = await g.data(LIST, token=admin("alice"))
        nobody = await g.error(LIST, token=subject_admin(None))
        alices = await g.data(LIST, token=alice)
    assert bobs == {"webhookEndpoints": []}
    assert taken["extensions"]["code"] == "NOT_FOUND"
    assert own["createWebhookEndpoint"]["endpoint"]["url"] == HOOK
    assert tenant_named_alice == {"webhookEndpoints": []}
    assert nobody["extensions"]["code"] == "FORBIDDEN"
    assert [e["id"] for e in alices["webhookEndpoints"]] == [endpoint_id]


async def test_malformed_endpoint_id_is_bad_input() -> None:
    async with gateway(outbound_settings()) as g:
        error = await g.error(DELETE, {"id": "vonage:room-1"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


async def test_endpoints_per_tenant_are_bounded() -> None:
    async with gateway(outbound_settings(jwt=True, max_endpoints_per_tenant=2)) as g:
        for _ in range(2):
            await g.data(CREATE, {"input": {"url": HOOK}}, admin("acme"))
        refused = await g.error(CREATE, {"input": {"url": HOOK}}, admin("acme"))
        elsewhere = await g.data(CREATE, {"input": {"url": HOOK}}, admin("globex"))
    assert refused["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 2" in refused["message"]
    assert elsewhere["createWebhookEndpoint"]["endpoint"]["url"] == HOOK


@pytest.mark.parametrize(
    "document",
    [LIST, DELETE, ROTATE, CREATE, ENABLE],
)
async def test_every_field_needs_webhooks_admin(document: str) -> None:
    variables = {"id": "webhook:" + "0" * 32, "input": {"url": HOOK}}
    wanted = {k: v for k, v in variables.items() if f"${k}" in document}
    async with gateway(outbound_settings(jwt=True)) as g:
        error = await g.error(document, wanted, make_token("rooms:read rooms:write events:read"))
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "webhooks:admin"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hook", "https"),
        ("ftp://93.184.215.14/hook", "https"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://[fd00::1]/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://0.0.0.0/hook", "reserved"),
        ("https://127.0.0.1/hook", "loopback"),
        ("http://localhost:8080/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
        ("/relative", "absolute"),
        ("https://name.invalid/hook", "resolve"),
    ],
)
async def test_urls_that_may_not_be_called_are_refused(url: str, reason: str) -> None:
    settings = outbound_settings(allow_loopback=False)
    async with gateway(settings) as g:
        error = await g.error(CREATE, {"input": {"url": url}})
        listed = await g.data(LIST)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.url"}
    assert reason in error["message"]
    assert listed == {"webhookEndpoints": []}


async def test_settings_allow_loopback_and_private_networks() -> None:
    settings = outbound_settings(allow_loopback=True, allow_private_networks=True)
    async with gateway(settings) as g:
        for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "https://10.0.0.7/h"):
            await g.data(CREATE, {"input": {"url": url}})
        link_local = await g.error(CREATE, {"input": {"url": "https://169.254.169.254/"}})
        plain_http = await g.error(CREATE, {"input": {"url": "http://10.0.0.7/hook"}})
    assert link_local["extensions"]["field"] == "input.url"
    assert "https" in plain_http["message"]
