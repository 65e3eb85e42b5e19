"""``Sql``: a fragment carries the parameters of its own placeholders, in the order of its text."""

import pytest

from certifications.sql import Sql


def test_parameters_follow_their_fragments_in_text_order():
    low, high = Sql.value(1), Sql.value(2)
    where = Sql.of("a >= {low} AND a < {high}", low=low, high=high)
    statement = Sql.of(
        "SELECT {column} FROM t WHERE {where} AND b IN ({ids})", column="a", where=where, ids=Sql.values([7, 8])
    )
    assert statement.text == "SELECT a FROM t WHERE a >= %s AND a < %s AND b IN (%s, %s)"
    assert statement.params == (1, 2, 7, 8)


def test_a_fragment_used_twice_brings_its_parameters_twice():
    certification = Sql.value(5)
    statement = Sql.of("x = {c} OR y = {c}", c=certification)
    assert statement.params == (5, 5)
    assert (statement + " AND z = 1").params == (5, 5)
    assert (statement + Sql.value(9)).params == (5, 5, 9)


def test_a_template_with_a_placeholder_of_its_own_is_refused():
    with pytest.raises(ValueError):
        Sql.of("a = %s AND {b}", b=Sql.value(1))
