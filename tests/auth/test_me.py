from tests.partners.factories import key_client, make_key, make_partner


async def test_me_names_the_staff_member_and_role(editor, anon):
    me = (await editor.get("/auth/me")).json()
    assert me["kind"] == "staff" and me["role"] == "editor" and me["email"].startswith("editor-")
    assert (await anon.get("/auth/me")).status_code == 401


async def test_me_for_a_partner_key_gives_its_scopes(app, session):
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    async with key_client(app, key) as client:
        me = (await client.get("/auth/me")).json()
    assert me == {
        "kind": "partner",
        "id": None,
        "email": None,
        "full_name": None,
        "role": None,
        "partner_id": str(partner.id),
        "scopes": ["read"],
    }
