"""Is this Python affected by issue 13's crash? ``python bench/cpython_inline_values.py [rounds]``

CPython 3.11: a collection started inside ``_PyObject_StoreInstanceAttribute``'s
``make_dict_from_instance_attributes`` runs a weakref callback that stores a new name on the
same object; both calls build a dict on the same inline values and both free them (a double
free, then a SIGSEGV while garbage-collecting). This is what SQLAlchemy's
``InstanceState._cleanup`` did under ``Session.close()`` in the cold w5000 agenda build;
conference/gc_guard.py keeps the collector off there. No SQLAlchemy here: plain classes.

It says AFFECTED as soon as a round ran the callback in the middle of the store (the
precondition), before the memory damage that follows kills the process, at a moment that
varies. Seen here: AFFECTED in the first rounds, then SIGSEGV (exit 139), on pyenv's 3.11.7 and
Debian's 3.11.2; "0 of 1000 rounds ... not affected" on 3.12.1 and 3.13.0 (3.12 collects only
between bytecodes, gh-97922). Run by hand, not by the suite: on an affected interpreter it
kills the process it runs in.
"""

# ruff: noqa: B023, S101
import gc
import sys
import weakref


class State:
    pass


# Fill the class's shared keys (3.11: at most 30 names), so a new name can no
# longer be added to them and storing it makes a real dict from the inline values.
filler = State()
filler.k0 = filler.ref = None  # the names every round stores first
for i in range(40):
    setattr(filler, f"k{i}", i)
del filler


class Garbage:
    pass


def one_round():
    state = State()
    state.k0 = 0  # inline values, no dict yet

    def cleanup(ref, state=state):
        fired.append(state)
        if storing:  # the collector ran inside the store below: the precondition of the bug
            inside.append(state)
        state.inner_new_name = None  # new name: dict from the same values, resized, values freed

    obj = Garbage()
    obj.cycle = obj  # only the cyclic GC can free it
    state.ref = weakref.ref(obj, cleanup)
    del obj
    keep = [{} for _ in range(200)]  # empty the dict free list: new_dict must call the GC allocator
    gc.set_threshold(1)
    storing.append(True)
    # -> make_dict_from_instance_attributes -> new_dict -> (3.11) GC -> cleanup, mid-store
    state.outer_new_name = None
    storing.clear()
    gc.set_threshold(700)
    del keep
    return state


fired: list[State] = []
inside: list[State] = []
storing: list[bool] = []
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
for n in range(rounds):
    s = one_round()
    if inside and len(inside) == 1:  # said before the damage can kill the process
        print(f"{sys.version.split()[0]}: AFFECTED, in round {n + 1}", flush=True)
    assert s.__dict__.get("outer_new_name", "missing") is None, s.__dict__
print(
    f"{sys.version.split()[0]}: {len(inside)} of {rounds} rounds ran a weakref callback inside "
    f"an attribute store ({len(fired)} callbacks in all): "
    + ("AFFECTED (the process may still crash, often at exit)" if inside else "not affected")
)
