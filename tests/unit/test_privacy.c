/*
 * test_privacy.c - the inzage finds the audit entries about the person
 * and no one else's: not those of a flat at the same house number, and,
 * for entries written before addresses were named whole (migration 9),
 * those under the postcode and number in the person's project.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "tfix.h"

#define PL   2001 /* pl_a, leads p[0] */
#define UWV  2011 /* p1, of UWV */
#define PRIV 2020

#define JAN "111222333"
#define WIM "300000005"

struct fx {
	struct tfix t; /* first: tfix_teardown frees it */
	int64_t p[2], jan, wim;
};

static int64_t
add_subject(struct fx *f, const char *toev, const char *bsn)
{
	return tfix_must_id(
	    &f->t, PL, "nl.ivtd.Subject.Create",
	    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:[{s:s}]}", "project",
	              (json_int_t)f->p[0], "street", "Dorpsstraat",
	              "huisnummer", "12", "toevoeging", toev, "postcode",
	              "3511AB", "woonplaats", "Utrecht", "persons", "bsn", bsn),
	    "subject");
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || tfix_init(&f->t, "privacy") == -1 ||
	    tfix_open(&f->t, TFIX_DAEMON) == -1)
		return -1;
	tfix_people_projects(&f->t, f->p);
	tfix_operational(&f->t, PL, f->p[0]);
	tfix_done(&f->t, PL, "nl.ivtd.Protocol.Grant",
	          json_pack("{s:I,s:s,s:[s]}", "project", (json_int_t)f->p[0],
	                    "partner", "UWV", "rights", "inlezen"));
	/* Jan at Dorpsstraat 12, Wim in the flat 12 A. */
	f->jan = add_subject(f, "", JAN);
	f->wim = add_subject(f, "A", WIM);
	*state = f;
	return 0;
}

/* UWV's reads of Jan's report: how many accesses by UWV it lists. */
static int
uwv_reads(struct fx *f, const char *bsn)
{
	json_t *r = tfix_must(&f->t, PRIV, "nl.ivtd.Privacy.Inzage",
	                      json_pack("{s:s}", "bsn", bsn));
	json_t *a;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(r, "accesses"), i, a)
	{
		const char *org =
		    json_string_value(json_object_get(a, "organisation"));

		if (org != NULL && strcmp(org, "UWV") == 0)
			n++;
	}
	json_decref(r);
	return n;
}

static void
test_neighbour_flat(void **state)
{
	struct fx *f = *state;

	assert_int_equal(uwv_reads(f, JAN), 0);
	/* UWV reads Wim's flat: not in Jan's report, in Wim's. */
	tfix_done(&f->t, UWV, "nl.ivtd.Subject.Show",
	          json_pack("{s:I}", "id", (json_int_t)f->wim));
	assert_int_equal(uwv_reads(f, JAN), 0);
	assert_true(uwv_reads(f, WIM) > 0);
	/* And Jan's own address: in his. */
	tfix_done(&f->t, UWV, "nl.ivtd.Subject.Show",
	          json_pack("{s:I}", "id", (json_int_t)f->jan));
	assert_true(uwv_reads(f, JAN) > 0);
}

/* An entry as the daemon wrote them before migration 9: UWV's read of
 * the address under postcode and number, in project p. */
static int64_t
old_style_read(struct fx *f, int64_t project)
{
	uint8_t idx[CRYPTO_HASHBYTES];
	char hex[2 * CRYPTO_HASHBYTES + 1];
	struct audit_entry e;
	int64_t seq;

	assert_int_equal(
	    crypto_blind_index(f->t.ctx.crypto, "address", "3511AB/12", 9, idx),
	    0);
	crypto_hex(idx, sizeof(idx), hex);
	audit_system_entry(&e, "nl.ivtd.Subject.Show", "subject:1");
	e.org = "UWV";
	e.role = "partner";
	e.project = project;
	e.subject = hex;
	e.subject_type = "address";
	e.fields = "straat";
	assert_int_equal(store_begin(f->t.ctx.store), 0);
	assert_true(
	    (seq = audit_append(f->t.ctx.store, f->t.ctx.crypto, &e, 0)) > 0);
	assert_int_equal(store_commit(f->t.ctx.store), 0);
	return seq;
}

static void
set_boundary(struct fx *f, int64_t seq)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "UPDATE addr_pseudonym_from SET seq = %lld",
	         (long long)seq);
	assert_int_equal(
	    sqlite3_exec(f->t.ctx.store->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void
test_entries_before_migration(void **state)
{
	struct fx *f = *state;
	int64_t seq;

	/* Written after the switch: the old pseudonym is no address of a
	 * subject any more, whoever's flat it was. */
	seq = old_style_read(f, f->p[0]);
	assert_int_equal(uwv_reads(f, JAN), 0);
	/* Written before it: still found, for everyone at that number in
	 * the project (the entry cannot tell the flats apart). */
	set_boundary(f, seq + 1);
	assert_int_equal(uwv_reads(f, JAN), 1);
	assert_int_equal(uwv_reads(f, WIM), 1);
	/* Not in another project where Jan does not live. */
	set_boundary(f, 0);
	seq = old_style_read(f, f->p[1]);
	set_boundary(f, seq + 1);
	assert_int_equal(uwv_reads(f, JAN), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_neighbour_flat, setup,
	                                    tfix_teardown),
	    cmocka_unit_test_setup_teardown(test_entries_before_migration,
	                                    setup, tfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
