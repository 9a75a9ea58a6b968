/* Consistency of every message table: the rules X.680 sets for tags, checked
 * over all types, so a mistyped tag cannot hide in a message no KAT covers. */
#include "testutil.h"

#include "rsp/rsp.h"

#define MAX_TAGS 64

/* The tags a value of field f (or type t) can start with. */
static size_t first_tags(const struct rsp_type *t, uint32_t wire, uint32_t *out, size_t n)
{
	unsigned i;

	if (wire) {
		out[n++] = wire;
		return n;
	}
	if (t->tag) {
		out[n++] = t->tag;
		return n;
	}
	if (t->kind == RSP_RAW) {
		out[n++] = 0;        /* any */
		return n;
	}
	for (i = 0; i < t->nfields && n < MAX_TAGS - 1; i++)
		n = first_tags(t->fields[i].type, t->fields[i].tag, out, n);
	return n;
}

static bool overlap(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			if (a[i] == b[j] || a[i] == 0 || b[j] == 0)
				return true;
	return false;
}

static bool is_constructed_type(const struct rsp_type *t)
{
	switch (t->kind) {
	case RSP_SEQ:
	case RSP_SEQOF:
	case RSP_CHOICE:
		return true;
	case RSP_RAW:
		return t->tag == 0 || der_tag_constructed(t->tag);
	default:
		return false;
	}
}

static void check_type(const struct rsp_type *t, int depth)
{
	uint32_t a[MAX_TAGS], b[MAX_TAGS];
	unsigned i, j;

	if (depth > 20)
		fail_msg("%s: tables nest deeper than any message", t->name);
	assert_non_null(t->name);
	if (t->kind == RSP_SEQOF) {
		assert_non_null(t->elem);
		if (t->elem_tag && der_tag_constructed(t->elem_tag) != is_constructed_type(t->elem))
			fail_msg("%s: element tag %X has the wrong constructed bit", t->name, t->elem_tag);
		check_type(t->elem, depth + 1);
		return;
	}
	if (t->kind != RSP_SEQ && t->kind != RSP_CHOICE)
		return;
	for (i = 0; i < t->nfields; i++) {
		const struct rsp_field *f = &t->fields[i];
		bool explicit = (f->type->kind == RSP_CHOICE || f->type->kind == RSP_RAW) && !f->type->tag;

		if (f->tag && der_tag_constructed(f->tag) != (explicit || is_constructed_type(f->type)))
			fail_msg("%s.%s: tag %X has the wrong constructed bit", t->name, f->name, f->tag);
		if (t->kind == RSP_CHOICE && (f->flags & (RSP_OPTIONAL | RSP_DEFAULT)))
			fail_msg("%s.%s: a CHOICE alternative cannot be OPTIONAL", t->name, f->name);
		check_type(f->type, depth + 1);
	}
	for (i = 0; i < t->nfields; i++) {
		size_t na = first_tags(t->fields[i].type, t->fields[i].tag, a, 0);

		for (j = i + 1; j < t->nfields; j++) {
			size_t nb;

			/* SEQUENCE: only fields reachable by skipping optional ones
			 * must differ (X.680 25.5); CHOICE: all (X.680 29.3) */
			if (t->kind == RSP_SEQ && !(t->fields[j - 1].flags & (RSP_OPTIONAL | RSP_DEFAULT)))
				break;
			nb = first_tags(t->fields[j].type, t->fields[j].tag, b, 0);
			if (overlap(a, na, b, nb))
				fail_msg("%s: %s and %s can start with the same tag", t->name,
					 t->fields[i].name, t->fields[j].name);
		}
	}
}

static void test_all_tables_are_unambiguous(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; rsp_all_types[i]; i++)
		check_type(rsp_all_types[i], 0);
	assert_true(i > 150);
}

static void test_lookup_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(rsp_type_by_name("EuiccPackageRequest"), &rsp_t_euicc_package_request);
	assert_ptr_equal(rsp_type_by_name("EsipaMessageFromIpaToEim"), &rsp_t_esipa_message_from_ipa);
	assert_null(rsp_type_by_name("NoSuchType"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_tables_are_unambiguous),
		cmocka_unit_test(test_lookup_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
