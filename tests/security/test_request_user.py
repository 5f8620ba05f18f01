"""The session and the signed-in user read with fixed statements (issue 14): the same objects as the
ORM's, nothing kept between requests, a revoked or expired session still signs the user out."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspection.security.request_user import SessionStore, user_with_profile


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_user_profile_and_county_are_what_select_related_gives(wang, zhao):
    for user in (wang, zhao):
        expected = get_user_model().objects.select_related("profile__county").get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            got = user_with_profile(user.pk)
            assert _fields(got) == _fields(expected)
            assert _fields(got.profile) == _fields(expected.profile)
            assert _fields(got.profile.county) == _fields(expected.profile.county)
            assert got.profile.user is got and got.is_active is True and got.profile.must_change_password is False
        assert len(queries) == 1  # the profile and the county came with the user
        assert timezone.is_aware(got.date_joined)
        assert not got._state.adding and got._state.db == "default"


def test_a_user_without_profile_a_missing_user_and_a_bad_key(db):
    bare = get_user_model().objects.create_user("bare", password="x")
    got = user_with_profile(bare.pk)
    assert got.username == "bare" and not hasattr(got, "profile")  # cached absence: no query, no profile
    assert user_with_profile(bare.pk + 1000) is None
    assert user_with_profile("not a number") is None


def test_an_inactive_account_is_signed_out_on_its_next_request(client, wang):
    client.force_login(wang)
    assert client.get("/").status_code == 200
    get_user_model().objects.filter(pk=wang.pk).update(is_active=False)
    assert client.get("/").status_code == 302


def test_a_deleted_or_expired_session_signs_out_at_once(client, wang):
    client.force_login(wang)
    assert client.get("/").status_code == 200
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302  # expired: read from the database, not kept in the process
    client.force_login(wang)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()  # revoked by the office
    assert client.get("/").status_code == 302


def test_the_store_reads_the_row_and_forgets_an_unknown_key(wang):
    store = SessionStore()
    store["k"] = "v"
    store.create()
    assert SessionStore(store.session_key).load() == {"k": "v"}
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
