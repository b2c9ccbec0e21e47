"""Prebuilt statements run on the SQLite writer thread's raw sqlite3 cursor (db.SqliteWriter).

Why: an execution through SQLAlchemy's Connection costs about 20 us of Python besides
SQLite's own work (the execution context, parameter processing, the cursor result and its
rows), and an issue runs about eleven. A prebuilt statement's SQL, parameter order and type
processing do not change from one execution to the next, so they are worked out once per
statement and set of parameter names, with SQLAlchemy's own compiler and type processors
(the SQL and the values sent are the ones SQLAlchemy would send), and an execution is then
one `cursor.execute` with a tuple and the rows' columns converted back.

A statement this cannot run exactly as SQLAlchemy would (a column default computed in
Python, a parameter expanded per execution, text whose columns only the cursor knows) goes
through the Connection as before: `Prepared.of` answers None for it.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, TextClause

CACHE_LIMIT = 512  # statements x parameter-name sets; the hot path has a few dozen
Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Prepared:
    """One statement compiled for one set of parameter names."""

    sql: str
    order: tuple[str, ...]  # the parameter name of each `?`, in order
    static: dict[str, Any]  # values the statement carries itself (literals, LIMIT 1)
    bind: dict[str, Processor]  # by parameter name: the type's conversion to the driver's value
    row: Any  # a namedtuple type of the result's columns, None when it returns no rows
    results: tuple[Processor | None, ...]  # by column: the driver's value to the type's

    @classmethod
    def of(cls, statement: Executable, names: Sequence[str], dialect: Dialect) -> Prepared | None:
        if isinstance(statement, TextClause):
            return None  # its columns are known only from the cursor: SQLAlchemy's own way
        # The parameter names sorted, as a Connection compiles an INSERT for them.
        compiled = cast(ClauseElement, statement).compile(
            dialect=dialect, column_keys=sorted(names)
        )
        if not isinstance(compiled, SQLCompiler) or not compiled.positional:
            return None
        if compiled.insert_prefetch or compiled.update_prefetch:
            return None  # a Python-side default: SQLAlchemy's execution context computes it
        static = compiled.construct_params(_check=False, escape_names=False)
        if any(b.expanding and compiled.bind_names[b] in names for b in compiled.bind_names):
            return None  # IN (a list given per execution): expanded per execution
        expanded = compiled.construct_expanded_state(static, escape_names=False)
        bind = {**compiled._bind_processors, **expanded.processors}
        columns = compiled._result_columns
        row = namedtuple("Row", [c[0] for c in columns], rename=True) if columns else None
        results = tuple(c[3]._cached_result_processor(dialect, None) for c in columns)
        return cls(
            expanded.statement,
            tuple(expanded.positiontup or ()),
            {k: v for k, v in expanded.parameters.items() if k not in names},
            {k: cast(Processor, v) for k, v in bind.items() if v is not None},
            row,
            results,
        )

    def execute(self, cursor: Any, params: dict[str, Any]) -> Rows:
        values, bind = {**self.static, **params}, self.bind
        args = tuple(
            bind[name](values[name]) if name in bind else values[name] for name in self.order
        )
        try:
            cursor.execute(self.sql, args)
        except sqlite3.Error as exc:  # as SQLAlchemy raises it (IntegrityError for a key's race)
            raise DBAPIError.instance(self.sql, args, exc, sqlite3.Error) from exc
        if self.row is None:
            # A statement compiled without result columns returns no rows.
            assert cursor.description is None, self.sql
            return Rows([], cursor.rowcount)
        found = cursor.fetchall()
        processors, row = self.results, self.row
        if any(processors):
            found = [
                row(*(v if p is None else p(v) for p, v in zip(processors, r, strict=True)))
                for r in found
            ]
        else:
            found = [row(*r) for r in found]
        return Rows(found, cursor.rowcount)


class Rows:
    """A statement's buffered rows with the part of SQLAlchemy's Result the units use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            if not self._rows:
                raise NoResultFound("No row was found when one was required")
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0][0]


class Statements:
    """The prepared form of each statement and parameter-name set met so far (None: through
    the Connection). Used by one thread only, the writer's."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[tuple[int, frozenset[str]], tuple[Executable, Prepared | None]] = {}

    def get(self, statement: Executable, params: dict[str, Any]) -> Prepared | None:
        key = (id(statement), frozenset(params))
        found = self._prepared.get(key)
        if found is not None and found[0] is statement:
            return found[1]
        if len(self._prepared) >= CACHE_LIMIT:  # statements built per request (rare paths)
            self._prepared.clear()
        prepared = Prepared.of(statement, list(params), self.dialect)
        # The statement is kept with its entry so its id is not reused while the entry lives.
        self._prepared[key] = (statement, prepared)
        return prepared
