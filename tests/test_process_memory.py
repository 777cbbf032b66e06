"""The process's bounded memory of content-keyed results (pipelines/lib/core/process_memory.py), worked by hand."""

from pipelines.lib.core.process_memory import ProcessMemory


def test_the_least_recently_used_key_goes_first_and_clear_forgets_all():
    memory = ProcessMemory(kept=2)
    memory.put("a", 1)
    memory.put("b", 2)
    assert memory.get("a") == 1  # a is now the most recently used: b goes when c arrives
    memory.put("c", 3)
    assert (memory.get("a"), memory.get("b"), memory.get("c"), len(memory)) == (1, None, 3, 2)
    memory.clear()
    assert (memory.get("a"), len(memory)) == (None, 0)
