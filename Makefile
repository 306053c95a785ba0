# Gossip Glomers in Python.
#
# `make <part>` runs the REAL Maelstrom with the challenge's published flags (needs Java; get
# Maelstrom with `make maelstrom`). `make check` runs every part on the offline bench instead.

MAELSTROM ?= ./maelstrom/maelstrom
MAELSTROM_URL = https://github.com/jepsen-io/maelstrom/releases/download/v0.2.4/maelstrom.tar.bz2
PYTHON ?= python3
# Two pytest workers when pytest-xdist is installed (.ci/run installs it): most tests wait on
# node processes or real time, so two workers on two cores nearly halve `make test`.
XDIST := $(shell $(PYTHON) -c "import xdist" 2>/dev/null && echo "-n 2")
PYTEST_FLAGS ?= -v --durations=15 $(XDIST)
BROADCAST_EFFICIENT = -w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100
KAFKA_MULTI = -w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000
TXN_MULTI = -w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000

MAELSTROM_PARTS = echo unique-ids broadcast-a broadcast-b broadcast-c broadcast-d broadcast-e \
	counter kafka-a kafka-b kafka-c txn-a txn-b txn-b-partition txn-c

.PHONY: help test test-all durations sweep check bench mutate oracle maelstrom $(MAELSTROM_PARTS) maelstrom-present

help:
	@echo "make test            the suite without its slowest tests (what CI runs; under 5 minutes)"
	@echo "make test-all        the whole suite, slowest tests included (about 15 minutes)"
	@echo "make durations       the whole suite, then every test ranked by its time"
	@echo "make sweep           every part over 20 seeds in virtual time (the suite runs 3)"
	@echo "make check           every challenge part on the offline bench, nodes as processes"
	@echo "make bench           performance figures (medians over several runs; says how long)"
	@echo "make mutate          mutation testing of the core with mutmut (by hand, not CI; slow)"
	@echo "make oracle          re-check every real Maelstrom run in oracle/"
	@echo "make maelstrom       download Maelstrom v0.2.4 into ./maelstrom (needs internet)"
	@echo "make echo | unique-ids | broadcast-a..e | counter | kafka-a..c | txn-a | txn-b |"
	@echo "     txn-b-partition | txn-c     run a part under the REAL Maelstrom"

test:
	$(PYTHON) -m pytest $(PYTEST_FLAGS) -m "not slow"

test-all:
	$(PYTHON) -m pytest $(PYTEST_FLAGS)

# The ranking tests/slow_tests.txt is drawn from: a test taking more than a few seconds on
# two idle cores belongs there.
durations:
	$(PYTHON) -m pytest $(XDIST) -q --durations=0 --durations-min=2

sweep:
	BREADTH_SEEDS=20 $(PYTHON) -m pytest $(PYTEST_FLAGS) tests/test_challenges.py -k virtual_time

check:
	$(PYTHON) -m glomers challenge all --quiet

bench:
	$(PYTHON) -m bench

# Not part of `make test`: minutes to hours. MODULES=net picks some; MUTATE_WORKERS=2 more cores.
mutate:
	$(PYTHON) tools/mutate.py $(MODULES)

oracle:
	$(PYTHON) -m glomers oracle

maelstrom:
	curl -fL -o maelstrom.tar.bz2 $(MAELSTROM_URL)
	tar -xjf maelstrom.tar.bz2
	rm maelstrom.tar.bz2
	@echo "Maelstrom is in ./maelstrom; it needs Java (OpenJDK 11+), graphviz and gnuplot."

maelstrom-present:
	@test -x "$(MAELSTROM)" || { \
	  echo "Maelstrom not found at $(MAELSTROM)."; \
	  echo "Run 'make maelstrom' to download v0.2.4 (needs internet and Java), or set"; \
	  echo "MAELSTROM=/path/to/maelstrom. Without Java, use the offline bench instead:"; \
	  echo "  python3 -m glomers challenge <part>"; \
	  exit 2; }

echo: maelstrom-present
	$(MAELSTROM) test -w echo --bin ./echo.py --node-count 1 --time-limit 10

unique-ids: maelstrom-present
	$(MAELSTROM) test -w unique-ids --bin ./unique_ids.py --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition

broadcast-a: maelstrom-present
	$(MAELSTROM) test -w broadcast --bin ./broadcast.py --node-count 1 --time-limit 20 --rate 10

broadcast-b: maelstrom-present
	$(MAELSTROM) test -w broadcast --bin ./broadcast.py --node-count 5 --time-limit 20 --rate 10

broadcast-c: maelstrom-present
	$(MAELSTROM) test -w broadcast --bin ./broadcast.py --node-count 5 --time-limit 20 --rate 10 --nemesis partition

broadcast-d: maelstrom-present
	$(MAELSTROM) test $(BROADCAST_EFFICIENT) --bin ./broadcast.py

broadcast-e: maelstrom-present
	$(MAELSTROM) test $(BROADCAST_EFFICIENT) --bin ./broadcast.py

counter: maelstrom-present
	$(MAELSTROM) test -w g-counter --bin ./counter.py --node-count 3 --rate 100 --time-limit 20 --nemesis partition

kafka-a: maelstrom-present
	$(MAELSTROM) test -w kafka --bin ./kafka_log.py --node-count 1 --concurrency 2n --time-limit 20 --rate 1000

kafka-b: maelstrom-present
	$(MAELSTROM) test $(KAFKA_MULTI) --bin ./kafka_log.py

kafka-c: maelstrom-present
	$(MAELSTROM) test $(KAFKA_MULTI) --bin ./kafka_log.py

txn-a: maelstrom-present
	$(MAELSTROM) test -w txn-rw-register --bin ./txn.py --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total

txn-b: maelstrom-present
	$(MAELSTROM) test $(TXN_MULTI) --bin ./txn.py --consistency-models read-uncommitted

txn-b-partition: maelstrom-present
	$(MAELSTROM) test $(TXN_MULTI) --bin ./txn.py --consistency-models read-uncommitted --availability total --nemesis partition

txn-c: maelstrom-present
	$(MAELSTROM) test $(TXN_MULTI) --bin ./txn.py --consistency-models read-committed --availability total --nemesis partition
