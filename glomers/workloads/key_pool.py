"""Elle's active-key pool, shared by the kafka and txn-rw-register generators (spec §6.5, §6.6).

`count` slots with an exponential distribution (the last slot is drawn about half the
time); each key takes writes 1, 2, ..., max_writes and is then retired, its slot taking a
fresh key one above the largest active key.
"""

import math

KEY_DIST_BASE = 2
DEFAULT_KEY_COUNT = 10
_LOG_BASE = math.log(KEY_DIST_BASE)     # the same float key() divided by when it called log


class KeyPool:
    """Elle's active-key pool: `count` slots, slot i drawn with probability
    base^(i+1) / (base + base^2 + ... + base^count), so the last slot is the hottest.

    Keys start as 0..count-1. Each key's writes carry 1, 2, ..., `max_writes`; after that
    the key is retired: its slot gets (largest active key) + 1.
    """

    def __init__(self, rng, count, max_writes):
        self.rng = rng
        self.active = list(range(count))
        self.max_writes = max_writes
        self.next_value = {}        # key -> the value its next write will carry
        # A uniform draw from [0, scale) maps onto the slots by a logarithm (Elle's trick).
        self.scale = (KEY_DIST_BASE ** count - 1) * KEY_DIST_BASE / (KEY_DIST_BASE - 1)
        self._last_slot = count - 1     # slots are replaced in place, never added or removed

    def key(self):
        """A random active key."""
        x = self.rng.random() * self.scale + KEY_DIST_BASE
        # x >= KEY_DIST_BASE, so the quotient is >= 1 and int() truncates as floor() would.
        slot = int(math.log(x) / _LOG_BASE - 1)
        # Floating-point rounding must never pick a slot past the end.
        return self.active[slot if slot < self._last_slot else self._last_slot]

    def exhausted(self, k):
        """True when k has had all its writes."""
        return self.next_value.get(k, 1) > self.max_writes

    def take_value(self, k):
        """The next write value of k: 1, 2, ... (unique per key)."""
        v = self.next_value.get(k, 1)
        self.next_value[k] = v + 1
        return v

    def retire(self, k):
        """Replace used-up k in its slot by a fresh key, one above the largest active key."""
        self.active[self.active.index(k)] = max(self.active) + 1
