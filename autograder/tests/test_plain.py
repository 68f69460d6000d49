"""to_plain and copy_in: only trusted plain data crosses the boundary, always as a copy."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

from autograder.errors import InvalidReturn
from autograder.plain import copy_in, find_changes, to_plain


def no_handles(value):
    raise AssertionError(f"no handle expected for {value!r}")


class Made:
    """A stand-in handle that remembers its object."""

    def __init__(self, obj):
        self.obj = obj


class SubArray(np.ndarray):
    pass


class SubFloat(float):
    pass


class SubInt(int):
    pass


class SubDict(dict):
    pass


@pytest.mark.parametrize(
    "value",
    [None, True, 3, 2.5, 1 + 2j, "text", np.float64(1.5), np.int32(4), np.bool_(True)],
    ids=lambda v: type(v).__name__,
)
def test_scalars_pass_through(value):
    plain = to_plain(value, no_handles)
    assert type(plain) is type(value) and plain == value


def test_arrays_and_containers_are_copied():
    array = np.arange(6.0).reshape(2, 3)
    result = to_plain({"a": array, "pair": (array, [1, 2.0])}, no_handles)
    array[0, 0] = 100.0
    assert result["a"][0, 0] == 0.0 and result["pair"][0][0, 0] == 0.0
    assert type(result["pair"]) is tuple and type(result["pair"][1]) is list


def test_an_ordered_dict_crosses_as_a_plain_dict_in_its_order():
    """Layers often keep their parameters in an OrderedDict: it is plain data, and its order is kept."""
    plain = to_plain(OrderedDict([("b", np.ones(2)), ("a", 1.0)]), no_handles)
    assert type(plain) is dict and list(plain) == ["b", "a"]


def test_a_non_contiguous_view_becomes_a_plain_array():
    view = np.arange(12.0).reshape(3, 4)[:, ::2]
    plain = to_plain(view, no_handles)
    assert type(plain) is np.ndarray and plain.flags.c_contiguous
    np.testing.assert_array_equal(plain, view)


@pytest.mark.parametrize(
    "value, words",
    [
        (np.zeros(3).view(SubArray), "a subclass of numpy.ndarray"),
        (np.array([np.zeros(2), np.zeros(3)], dtype=object), "dtype object"),
        (np.array(["a", "b"]), "dtype <U1"),
        (SubFloat(1.0), "a subclass of float"),
        (SubInt(1), "a subclass of int"),
        (SubDict(a=1), "a subclass of dict"),
        (namedtuple("Pair", "a b")(1, 2), "a subclass of tuple"),
        ({object(): 1}, "a key of type object"),
    ],
    ids=["ndarray_subclass", "object_array", "string_array", "float_subclass", "int_subclass",
         "dict_subclass", "namedtuple", "object_key"],
)
def test_untrustworthy_values_are_refused(value, words):
    with pytest.raises(InvalidReturn, match="f's result") as refused:
        to_plain(value, Made, "f's result")
    assert words in str(refused.value)


def test_a_refused_item_is_named_by_its_path():
    with pytest.raises(InvalidReturn, match=r"f's result\[1\]\['w'\] is a .*SubFloat"):
        to_plain((1.0, {"w": SubFloat(2.0)}), Made, "f's result")


def test_other_objects_become_handles():
    class Layer:
        pass

    layer = Layer()
    plain = to_plain({"layer": layer, "fn": len, "x": np.ones(2)}, Made)
    assert isinstance(plain["layer"], Made) and plain["layer"].obj is layer
    assert isinstance(plain["fn"], Made) and plain["fn"].obj is len
    assert type(plain["x"]) is np.ndarray


def test_copy_in_copies_arrays_and_resolves_handles():
    array = np.ones(3)
    target = object()
    given = copy_in((array, {"h": Made(target)}, [2.0]), lambda handle: handle.obj)
    given[0][0] = 5.0
    assert array[0] == 1.0
    assert given[1]["h"] is target
    assert given[2] == [2.0]


def test_find_changes_names_the_changed_arrays():
    before = (np.ones(2), {"w": np.zeros(2)}, [np.ones(1)])
    after = copy_in(before, no_handles)
    assert find_changes(before, after, "cache") == []
    after[1]["w"][0] = 1.0
    after[2].append(np.ones(1))
    assert find_changes(before, after, "cache") == ["cache[1]['w']", "cache[2]"]
    assert find_changes(np.array([np.nan]), np.array([np.nan]), "x") == []
