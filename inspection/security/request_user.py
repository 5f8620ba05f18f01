"""The two reads every signed-in request makes, without building an ORM query each time (issue 14).

Every page loads the session row and then the user with the profile and county it asks for next.
Through the ORM that is ~1 ms of CPU to compile each statement, more than the round trips; the
statements never change, so they are written once per process from the models' own column lists
and the rows are turned into the same model instances `select_related` gives (the profile cached
on the user, the county on the profile: no further query when the page reads them).

Nothing is cached between requests: the session is read from the database on every request (still
server-side, revoked by deleting its row), and so is the user.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from inspection.models import County, Profile
from inspection.rawrows import instance, select_list


@cache
def _user_statement(db: str):
    """The statement and how to read its row back (built once per process)."""
    User, connection = get_user_model(), connections[db]
    columns, parts = select_list(connection, [(User, "u"), (Profile, "p"), (County, "c")])
    quote = connection.ops.quote_name
    sql = (f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u "
           f"LEFT JOIN {quote(Profile._meta.db_table)} p ON p.{quote(Profile._meta.get_field('user').column)} "
           f"= u.{quote(User._meta.pk.column)} "
           f"LEFT JOIN {quote(County._meta.db_table)} c ON c.{quote(County._meta.pk.column)} "
           f"= p.{quote(Profile._meta.get_field('county').column)} "
           f"WHERE u.{quote(User._meta.pk.column)} = %s")
    return sql, parts


def user_with_profile(user_id):
    """`User.objects.select_related("profile__county").get(pk=user_id)`, or None: the same instances,
    the profile (or its absence) and its county cached as select_related caches them."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding a value that is no key: as Django's get_user, no user
        return None
    db = router.db_for_read(User)
    sql, parts = _user_statement(db)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    user, profile, county = (instance(connection, part, row) for part in parts)
    if profile is not None:
        Profile.user.field.set_cached_value(profile, user)
        Profile.county.field.set_cached_value(profile, county)
    User.profile.related.set_cached_value(user, profile)
    return user


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, the row read with one fixed statement instead of an ORM query."""

    def _get_session_from_db(self):
        model = self.model
        db = router.db_for_read(model)
        connection = connections[db]
        sql = (f'SELECT "session_data" FROM "{model._meta.db_table}" '
               f'WHERE "session_key" = %s AND "expire_date" > %s')
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:  # unknown, expired or revoked: as Django's store, no session and a new key later
            self._session_key = None
            return None
        return _Row(row[0])


class _Row:
    __slots__ = ("session_data",)

    def __init__(self, session_data):
        self.session_data = session_data
