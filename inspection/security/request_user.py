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
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import connections, router
from django.utils import timezone

from inspection.models import County, Profile


@cache
def _user_statement(db: str):
    """The statement and, per model, its attribute names, slice of the row and the converters the
    ORM applies to each column (booleans on SQLite, aware datetimes): built once per process."""
    User, connection = get_user_model(), connections[db]
    parts, columns, start = [], [], 0
    for model, alias in ((User, "u"), (Profile, "p"), (County, "c")):
        fields = model._meta.concrete_fields
        converters = []
        for f in fields:
            col = f.get_col(alias)
            converters.append([(c, col) for c in connection.ops.get_db_converters(col) + col.get_db_converters(connection)])
        parts.append((model, [f.attname for f in fields], slice(start, start + len(fields)), converters))
        columns += [f'{alias}."{f.column}"' for f in fields]
        start += len(fields)
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
    user, profile, county = (
        None if model is not User and row[part.start] is None
        else model.from_db(db, names, [_converted(v, conv, connection) for v, conv in zip(row[part], converters)])
        for model, names, part, converters in parts
    )
    if profile is not None:
        Profile.user.field.set_cached_value(profile, user)
        Profile.county.field.set_cached_value(profile, county)
    User.profile.related.set_cached_value(user, profile)
    return user


def _converted(value, converters, connection):
    for converter, col in converters:
        value = converter(value, col, connection)
    return value


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, the row read with one fixed statement instead of an ORM query."""

    def _get_session_from_db(self):
        model = self.model
        db = router.db_for_read(model)
        connection = connections[db]
        sql = (f'SELECT "session_data" FROM "{model._meta.db_table}" '
               f'WHERE "session_key" = %s AND "expire_date" > %s')
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
                row = cursor.fetchone()
        except SuspiciousOperation:
            row = None
        if row is None:
            self._session_key = None
            return None
        return _Row(row[0])


class _Row:
    __slots__ = ("session_data",)

    def __init__(self, session_data):
        self.session_data = session_data
