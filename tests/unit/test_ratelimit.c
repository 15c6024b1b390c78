/*
 * test_ratelimit.c - token buckets per key and shared (daemon/ratelimit.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

#define SEC 1000000LL

static int
take(struct ratelimit *rl, uint64_t key, int64_t now, uint64_t *refused)
{
	return ratelimit_take(rl, key, now, refused, NULL, NULL);
}

/* A burst, then refusals counted and reported with the next token. */
static void
test_burst_and_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new(3, 60, 1000, 60); /* one per second */
	uint64_t refused;
	int i;

	(void)state;
	assert_non_null(rl);
	for (i = 0; i < 3; i++) {
		assert_int_equal(take(rl, 7, 0, &refused), 1);
		assert_int_equal(refused, 0);
	}
	for (i = 0; i < 5; i++) {
		assert_int_equal(take(rl, 7, SEC / 2, &refused), 0);
		assert_int_equal(refused, (uint64_t)i + 1);
	}
	/* Half a second more: one token, and the five refusals with it. */
	assert_int_equal(take(rl, 7, SEC, &refused), 1);
	assert_int_equal(refused, 5);
	assert_int_equal(take(rl, 7, SEC, &refused), 0);
	assert_int_equal(take(rl, 7, 2 * SEC, &refused), 1);
	assert_int_equal(refused, 1);
	/* Long idle: no more than the burst. */
	for (i = 0; i < 3; i++)
		assert_int_equal(take(rl, 7, 3600 * SEC, &refused), 1);
	assert_int_equal(take(rl, 7, 3600 * SEC, &refused), 0);
	ratelimit_free(rl);
}

/* Keys do not share a bucket; a clock stepping back refills nothing. */
static void
test_keys_and_clock(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 60, 1000, 60);
	uint64_t refused;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(take(rl, 1, 10 * SEC, &refused), 1);
	assert_int_equal(take(rl, 1, 10 * SEC, &refused), 0);
	assert_int_equal(take(rl, 2, 10 * SEC, &refused), 1);
	assert_int_equal(take(rl, 1, 5 * SEC, &refused), 0);
	assert_int_equal(take(rl, 1, 11 * SEC, &refused), 1);
	assert_int_equal(refused, 2);
	ratelimit_free(rl);
	assert_null(ratelimit_new(0, 60, 1, 60));
	assert_null(ratelimit_new(1, 60, 0, 60));
}

/* A full table forgets the key seen longest ago, and says what it lost. */
static void
test_eviction(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 1, 1000, 60);
	uint64_t refused, evicted, ekey, k;

	(void)state;
	assert_non_null(rl);
	for (k = 0; k < RATELIMIT_SLOTS; k++)
		assert_int_equal(ratelimit_take(rl, k, (int64_t)k + 1, &refused,
		                                &evicted, &ekey),
		                 1);
	/* Key 0 is the stalest; give it two refusals. */
	assert_int_equal(take(rl, 0, 1, &refused), 0);
	assert_int_equal(take(rl, 0, 1, &refused), 0);
	assert_int_equal(ratelimit_take(rl, 1000, 100, &refused, &evicted,
	                                &ekey),
	                 1);
	assert_int_equal(evicted, 2);
	assert_int_equal(ekey, 0);
	/* Key 1 went next; it had no refusals. */
	assert_int_equal(ratelimit_take(rl, 1001, 101, &refused, &evicted,
	                                &ekey),
	                 1);
	assert_int_equal(evicted, 0);
	/* Key 1000 is still known: its bucket is empty. */
	assert_int_equal(take(rl, 1000, 102, &refused), 0);
	ratelimit_free(rl);
}

/* Pending counts are handed over once, the tokens stay as they were. */
static void
test_drain(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 60, 1000, 60);
	uint64_t keys[RATELIMIT_DRAIN_MAX], counts[RATELIMIT_DRAIN_MAX], refused;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(ratelimit_drain(rl, keys, counts), 0);
	assert_int_equal(take(rl, 5, 0, &refused), 1);
	assert_int_equal(take(rl, 6, 0, &refused), 1);
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(ratelimit_drain(rl, keys, counts), 1);
	assert_int_equal(keys[0], 5);
	assert_int_equal(counts[0], 2);
	assert_int_equal(ratelimit_drain(rl, keys, counts), 0);
	/* Still no token: counting starts again at 1. */
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(refused, 1);
	assert_int_equal(take(rl, 5, SEC, &refused), 1);
	assert_int_equal(refused, 1);
	ratelimit_free(rl);
}

/* Counts handed over but not written go back: under their key while it
 * is in the table, else under RATELIMIT_OTHER; none is lost. */
static void
test_restore(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 60, 1000, 60);
	uint64_t keys[RATELIMIT_DRAIN_MAX], counts[RATELIMIT_DRAIN_MAX], refused;
	size_t n, i;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(take(rl, 5, 0, &refused), 1);
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(ratelimit_drain(rl, keys, counts), 1);
	/* The write failed: both come back, with 7 of a forgotten key. */
	ratelimit_restore(rl, keys[0], counts[0]);
	ratelimit_restore(rl, 999, 7);
	ratelimit_restore(rl, RATELIMIT_OTHER, 1);
	n = ratelimit_drain(rl, keys, counts);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (keys[i] == 5)
			assert_int_equal(counts[i], 2);
		else {
			assert_int_equal(keys[i], RATELIMIT_OTHER);
			assert_int_equal(counts[i], 8);
		}
	}
	/* Restoring forgot no key: 5's bucket is still empty. */
	assert_int_equal(take(rl, 5, 0, &refused), 0);
	assert_int_equal(refused, 1);
	ratelimit_free(rl);
}

/* The shared bucket: a key with a token of its own is refused (-1) when
 * it is empty, keeps that token, and is counted like any refusal. */
static void
test_shared_bucket(void **state)
{
	struct ratelimit *rl = ratelimit_new(2, 60, 3, 60);
	uint64_t refused;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(take(rl, 1, 0, &refused), 1);
	assert_int_equal(take(rl, 1, 0, &refused), 1);
	assert_int_equal(take(rl, 1, 0, &refused), 0); /* its own is empty */
	assert_int_equal(take(rl, 2, 0, &refused), 1);
	assert_int_equal(take(rl, 2, 0, &refused), -1);
	assert_int_equal(refused, 1);
	assert_int_equal(take(rl, 3, 0, &refused), -1);
	assert_int_equal(take(rl, 2, 0, &refused), -1);
	assert_int_equal(refused, 2);
	/* One second: one token back in each bucket; key 2 still had one
	 * of its own, and reports its two refusals with it. */
	assert_int_equal(take(rl, 2, SEC, &refused), 1);
	assert_int_equal(refused, 2);
	assert_int_equal(take(rl, 3, SEC, &refused), -1);
	assert_int_equal(refused, 2);
	ratelimit_free(rl);
}

/*
 * The hole the shared bucket closes: more keys than slots, taking turns,
 * each forgotten before it comes back and so back with a full burst.
 * Audited (taken) refusals stay within the shared burst plus what refills
 * meanwhile, and every other refusal is counted exactly once: reported
 * with a token, with an eviction, or by ratelimit_drain under its key or
 * RATELIMIT_OTHER.
 */
static void
test_many_keys(void **state)
{
	/* 5 per key, 20 for all, 60 a minute: one a second shared. */
	struct ratelimit *rl = ratelimit_new(5, 600, 20, 60);
	uint64_t keys[RATELIMIT_DRAIN_MAX], counts[RATELIMIT_DRAIN_MAX];
	uint64_t refused, evicted, ekey, taken = 0, counted = 0, other = 0;
	uint64_t calls = 0, k;
	size_t i, n;
	int64_t now = 0;
	int round, r;

	(void)state;
	assert_non_null(rl);
	/* 200 keys, 3 rounds, all within the first second. */
	for (round = 0; round < 3; round++) {
		for (k = 0; k < 200; k++, calls++) {
			now += 1000;
			r = ratelimit_take(rl, 1000 + k, now, &refused,
			                   &evicted, &ekey);
			assert_true(r == 1 || r == -1);
			if (r == 1) {
				taken++;
				counted += refused + evicted;
			}
		}
	}
	assert_true(now < SEC);
	assert_int_equal(taken, 20);
	n = ratelimit_drain(rl, keys, counts);
	assert_true(n <= RATELIMIT_DRAIN_MAX);
	for (i = 0; i < n; i++) {
		counted += counts[i];
		if (keys[i] == RATELIMIT_OTHER)
			other = counts[i];
	}
	/* Most keys were forgotten with a count: it is not lost. */
	assert_true(other > 0);
	assert_int_equal(taken + counted, calls);
	assert_int_equal(ratelimit_drain(rl, keys, counts), 0);

	/* Then a minute of 200 other keys taking turns: the burst is gone,
	 * so about one taken a second, 60 in all. */
	for (k = 0; k < 60 * 200; k++, calls++) {
		now += SEC / 200;
		r = ratelimit_take(rl, 5000 + k % 200, now, &refused, &evicted,
		                   &ekey);
		if (r == 1) {
			taken++;
			counted += refused + evicted;
		}
	}
	assert_true(taken >= 20 + 59 && taken <= 20 + 61);
	n = ratelimit_drain(rl, keys, counts);
	for (i = 0; i < n; i++)
		counted += counts[i];
	assert_int_equal(taken + counted, calls);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_keys_and_clock),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_shared_bucket),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
