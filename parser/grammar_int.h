/* SPDX-License-Identifier: MIT */
/* grammar_int.h - internals shared by the grammar files (not a public API). */
#ifndef MS_GRAMMAR_INT_H
#define MS_GRAMMAR_INT_H

#include "grammar.h"

struct ms_grammar {
	void *re_dovecot_auth;
	void *re_saslauthd;
	void *md; /* pcre2_match_data */
};

/* Match re against s; fills caps[0..ncaps) with groups 1..ncaps. Returns 1 on match. */
int ms_grammar_match(ms_grammar *g, void *re, ms_sv s, ms_sv *caps, int ncaps);

#endif
