"""Model instances from a fixed SQL statement's rows, as the ORM would build them (issue 14).

For the few reads on every request or every dashboard, where compiling the ORM's query costs more
CPU than the read: the statement is written once per process from the models' own column lists;
each column goes through the converters the ORM applies (booleans on SQLite, aware datetimes,
JSON), and the instances come from `Model.from_db`, as a queryset's do.
"""

from functools import cache
from typing import NamedTuple

from django.db.models import JSONField, Model


class Part(NamedTuple):
    model: type[Model]
    names: list[str]  # attribute names, in column order
    at: slice  # the model's columns in the row
    converters: list[tuple[int, list]]  # only the columns that have any: (index, [(converter, col)])
    pk: int  # the primary key's index among the model's columns
    json_at: frozenset[int] = frozenset()  # the JSON columns' indexes (`plain` parses them once per text)


def select_list(connection, models: list[tuple[type[Model], str]], start: int = 0) -> tuple[list[str], list[Part]]:
    """The quoted columns of each (model, table alias) and how to read them back from a row whose
    first of them is at `start`."""
    quote, columns, parts = connection.ops.quote_name, [], []
    for model, alias in models:
        fields = model._meta.concrete_fields
        converters = []
        for i, f in enumerate(fields):
            col = f.get_col(alias)
            if found := connection.ops.get_db_converters(col) + col.get_db_converters(connection):
                converters.append((i, [(c, col) for c in found]))
        names = [f.attname for f in fields]
        parts.append(Part(model, names, slice(start, start + len(fields)), converters,
                          names.index(model._meta.pk.attname),
                          frozenset(i for i, f in enumerate(fields) if isinstance(f, JSONField))))
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        start += len(fields)
    return columns, parts


def instance(connection, part: Part, row):
    """The model instance in `row`, or None when its primary key is NULL (an outer join found none)."""
    values = row[part.at]
    if values[part.pk] is None:
        return None
    return part.model.from_db(connection.alias, part.names, _converted(connection, part, values))


def _converted(connection, part: Part, values, skip: frozenset[int] = frozenset()):
    """`values` with the ORM's converters of `part` applied, except at the indexes in `skip`."""
    if part.converters:
        values = list(values)
        for i, converters in part.converters:
            if i in skip:
                continue
            value = values[i]
            for converter, col in converters:
                value = converter(value, col, connection)
            values[i] = value
    return values


def plain_class(part: Part, *extra: str) -> type:
    """A slotted class with the model's attribute names (and `extra` slots), the `get_FOO_display`
    of its fields with choices, for pages that only read a row: building it costs a fraction of
    `Model.from_db` (no state, no signals, no descriptors)."""
    namespace = {"__slots__": (*part.names, *extra), "__repr__": lambda self: f"<{type(self).__name__} {self.pk}>"}
    for f in part.model._meta.concrete_fields:
        if f.choices:
            labels = dict(f.flatchoices)
            namespace[f"get_{f.attname}_display"] = (
                lambda self, _name=f.attname, _labels=labels: str(_labels.get(getattr(self, _name), getattr(self, _name))))
    namespace["pk"] = property(lambda self, _name=part.names[part.pk]: getattr(self, _name))
    # `plain` fills the slots in one unpacking assignment (as collections.namedtuple, code written
    # from the model's own attribute names): a setattr() call per column cost more than the read.
    if not all(name.isidentifier() for name in part.names):
        raise ValueError(f"{part.model.__name__}: a column's attribute name is not an identifier")
    code = f"def fill(obj, values):\n    ({''.join(f'obj.{name}, ' for name in part.names)}) = values\n"
    scope: dict = {}
    exec(compile(code, f"<plain {part.model.__name__}>", "exec"), scope)
    namespace["_fill"] = staticmethod(scope["fill"])
    return type(f"{part.model.__name__}Row", (), namespace)


def plain(connection, part: Part, cls: type, row):
    """`instance`, as a `plain_class` object: the same values, the ORM's converters applied; a JSON
    column's text parsed once per process for each text (`_parsed`), so the values read are shared
    between reads and must not be changed by whoever reads them."""
    values = row[part.at]
    if values[part.pk] is None:
        return None
    obj = cls.__new__(cls)
    if part.json_at:
        values = list(values)
        for i in part.json_at:
            values[i] = _parsed(connection, part, i, values[i])
    cls._fill(obj, _converted(connection, part, values, skip=part.json_at))
    return obj


def _parsed(connection, part: Part, i: int, raw):
    """The ORM's conversion of the JSON text `raw`, kept under that exact text: the key is the content,
    so a changed row is parsed again and every process agrees."""
    key = (part.model, i, raw)
    found = _PARSED.get(key, _MISSING) if isinstance(raw, str) else _MISSING
    if found is _MISSING:
        found = raw
        for index, converters in part.converters:
            if index == i:
                for converter, col in converters:
                    found = converter(found, col, connection)
        if isinstance(raw, str):
            if len(_PARSED) >= PARSED_KEPT:
                _PARSED.clear()  # bounded: a process never holds more than a few counties' rows
            _PARSED[key] = found
    return found


PARSED_KEPT = 20000
_PARSED: dict = {}
_MISSING = object()


@cache
def _prepared_class():
    # Imported here, not with the module: every process imports this one at start (the sign-in
    # receivers read users through it), and psycopg's import is ~0.1 s of CPU that a process on
    # SQLite never needs; on PostgreSQL Django's backend has imported it already.
    from psycopg import RawCursor

    class _Prepared(RawCursor):
        """Sends its statement as written, with PostgreSQL's own placeholders ($1, $2...: psycopg's raw
        cursor, which does not parse it), binds the parameters on the server and keeps every
        statement it runs prepared on the connection (psycopg names it, `_pg3_<n>`, per connection)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _convert_query(self, query, params=None):
            # psycopg leaves `_query` unset when it runs a prepared statement, and Django's query log
            # (`last_executed_query`, the statement counts of the tests) reads it: the statement as
            # prepared, its values bound on the server ($1, $2...).
            self._query = converted = super()._convert_query(query, params)
            return converted

    return _Prepared


def takes_raw_statements(connection) -> bool:
    """Whether `prepared_cursor` runs statements as written, with PostgreSQL's own placeholders ($1,
    $2...): on PostgreSQL through psycopg 3. Elsewhere its statements take Django's (%s, %(name)s)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3  # not with psycopg 2 (with or without psycopg 3 installed beside it)


def prepared_cursor(connection):
    """A cursor whose statements stay prepared on PostgreSQL, for a fixed statement read on every
    request whose planning costs as much as its execution (the commission dashboard's: ~40 sub-plans).
    After five executions with their own plans PostgreSQL keeps one generic plan for the connection
    (plan_cache_mode auto; docs/performance.md shows it chooses the generic plan and its cost). Django's
    own cursors bind on the client and prepare nothing, so this statement is the only one prepared.
    Its statements are written as `takes_raw_statements` says: on any other database, or with
    psycopg 2, this is the ordinary cursor. Statements still go through Django's cursor wrapper
    (logged, counted, execute_wrappers applied)."""
    if not takes_raw_statements(connection):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's automatic preparation off (None); a number this large keeps it off
        # for every other statement while letting this cursor's `prepare=True` through.
        raw.prepare_threshold = 2**31 - 1
    cursor = _prepared_class()(raw)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
