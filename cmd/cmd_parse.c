/* SPDX-License-Identifier: MIT */
/*
 * cmd_parse.c - mailsleuth parse [FILE...]: a debugging command that shows
 * how every input line is classified, one NDJSON object per line.  It uses
 * the syslog parser and the grammar only (no tracker, no database), so each
 * line is judged on its own.  Client text is escaped; the plaintext of
 * TLS-debug Read/Write lines is never printed (it may hold credentials):
 * only the user name an AUTH PLAIN payload decodes to is shown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "../input/source.h"
#include "../parser/authdecode.h"
#include "../parser/grammar.h"
#include "../parser/redact.h"
#include "../parser/syslog.h"
#include "../report/escape.h"

enum { O_UNREC = 'u', O_SUMMARY = 's', O_HELP = 'h' };

static const ms_optdef opts[] = {
	{ { "unrecognised", no_argument, NULL, O_UNREC }, NULL, "print only lines that are not recognised" },
	{ { "summary", no_argument, NULL, O_SUMMARY }, NULL, "print only counts per event type and per unrecognised program" },
	{ { "help", no_argument, NULL, O_HELP }, NULL, "show this help" },
};
#define NOPTS ((int)(sizeof opts / sizeof opts[0]))

#define PARSE_LINE_MAX (64u * 1024u)
#define PARSE_BUF (PARSE_LINE_MAX * 2u)
#define MAX_PROGS 64

static const char *const fam_names[] = { "other", "smtpd", "postscreen", "postfix", "plesk", "saslauthd", "dovecot", "system" };

typedef struct {
	struct { char name[48]; int64_t n; } progs[MAX_PROGS];
	int nprogs;
	int64_t other_progs;
} prog_count;

typedef struct {
	int only_unrec, summary;
	int64_t lines, recognised, unrecognised, skipped, markers, malformed;
	int64_t per_type[EV__COUNT];
	prog_count unrec, noise;
	ms_grammar *g;
	FILE *out;
} parse_ctx;

static void kv_sv(FILE *f, const char *key, ms_sv v)
{
	if (!v.p)
		return;
	fprintf(f, ",\"%s\":", key);
	ms_esc_json(f, v.p, v.n);
}

/* a free-text field: Dovecot's auth_verbose_passwords and the like can put a
 * password in it (parser/redact.h) */
static void kv_text(FILE *f, const char *key, ms_sv v)
{
	char buf[4096 + 16];
	if (!v.p)
		return;
	if (v.n > 4096)
		v.n = 4096;
	size_t n = ms_redact_text(v.p, v.n, buf, sizeof buf);
	kv_sv(f, key, ms_sv_make(buf, n));
}

static void count_prog(prog_count *c, ms_sv prog)
{
	size_t n = prog.n < 47 ? prog.n : 47;
	for (int i = 0; i < c->nprogs; i++)
		if (strlen(c->progs[i].name) == n && (n == 0 || !memcmp(c->progs[i].name, prog.p, n))) {
			c->progs[i].n++;
			return;
		}
	if (c->nprogs == MAX_PROGS) {
		c->other_progs++;
		return;
	}
	if (n)
		memcpy(c->progs[c->nprogs].name, prog.p, n);
	c->progs[c->nprogs].name[n] = 0;
	c->progs[c->nprogs].n = 1;
	c->nprogs++;
}

static void print_stamp(FILE *f, const ms_stamp *ts)
{
	switch (ts->kind) {
	case MS_TS_3164:
		fprintf(f, ",\"time\":\"%02d-%02dT%02d:%02d:%02d\"", ts->mon, ts->mday, ts->hour, ts->min, ts->sec);
		break;
	case MS_TS_ISO:
		fprintf(f, ",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d\"", ts->year, ts->mon, ts->mday, ts->hour, ts->min,
			ts->sec);
		if (ts->has_offset)
			fprintf(f, ",\"utc_offset\":%d", ts->offset);
		break;
	case MS_TS_EPOCH:
		fprintf(f, ",\"epoch\":%lld", (long long)ts->epoch);
		break;
	default:
		break;
	}
}

/*
 * AUTH PLAIN payload in TLS-debug plaintext: show the user it decodes to,
 * never the password.  The read is split into its commands as ingest splits
 * it (parser/redact.h), so a pipelined "RSET??AUTH PLAIN ..." and any case
 * or spacing of "auth  plain" are decoded as ingest decodes them.
 */
static void print_decoded(FILE *f, ms_sv text, long nchars)
{
	static const uint8_t nokey[1] = { 0 };
	ms_auth_plain ap;
	ms_sv rest = text.p ? text : MS_SV_LIT(""), cmd;
	int eol;
	while (ms_dlg_next(&rest, &cmd, &eol)) {
		if (ms_sv_eq_nocase(cmd, MS_SV_LIT("DATA")) || ms_sv_starts_nocase(cmd, "BDAT "))
			return; /* what follows is the message */
		if (!ms_sv_starts_nocase(cmd, "AUTH "))
			continue;
		ms_sv arg = ms_sv_trim(ms_sv_skip(cmd, 5));
		long sp = ms_sv_chr(arg, ' ');
		if (sp < 0 || !ms_sv_eq_nocase(ms_sv_head(arg, (size_t)sp), MS_SV_LIT("PLAIN")))
			return; /* the AUTH of this read is not PLAIN with its data */
		arg = ms_sv_trim(ms_sv_skip(arg, (size_t)sp + 1));
		/* cut: the logger showed fewer bytes than were read and no line end */
		int cut = !eol && nchars >= 0 && (size_t)nchars > text.n;
		if (!arg.n || ms_sv_eq_lit(arg, "=") || ms_auth_plain_decode(arg, cut, nokey, 0, &ap) != 0)
			return;
		fprintf(f, ",\"auth_user\":");
		ms_esc_json(f, ap.user, ap.user_len);
		fprintf(f, ",\"auth_user_complete\":%s,\"auth_truncated\":%s", ap.user_complete ? "true" : "false",
			ap.truncated ? "true" : "false");
		memset(&ap, 0, sizeof ap);
		return;
	}
}

/* a line the header parser skipped (MS_LINE_MARKER) is a journalctl marker,
 * not a blank one: after the NULs and byte order mark the parser passes over
 * it starts with "-- " */
static int journal_marker(const char *line, size_t len)
{
	ms_sv s = ms_sv_make(line, len);
	while (s.n && s.p[0] == '\0')
		s = ms_sv_skip(s, 1);
	if (ms_sv_starts(s, "\xEF\xBB\xBF"))
		s = ms_sv_skip(s, 3);
	return ms_sv_starts(s, "-- ");
}

static void do_line(parse_ctx *c, int64_t lineno, const char *line, size_t len)
{
	ms_syslog sl;
	ms_event ev;
	ms_family fam;
	FILE *f = c->out;
	ms_line_status st = ms_syslog_parse(line, len, &sl);

	c->lines++;
	if (st == MS_LINE_MARKER) {
		/* skipped as ingest skips it (its sources.skipped): a journalctl
		 * "-- ... --" marker, or a blank line */
		int marker = journal_marker(line, len);
		c->skipped++;
		c->markers += marker;
		if (!c->summary && !c->only_unrec)
			fprintf(f, "{\"line\":%lld,\"status\":\"%s\"}\n", (long long)lineno, marker ? "marker" : "skipped");
		return;
	}
	if (st == MS_LINE_BAD) {
		c->malformed++;
		c->unrecognised++;
		count_prog(&c->unrec, MS_SV_LIT("(no syslog header)"));
		if (!c->summary)
			fprintf(f, "{\"line\":%lld,\"status\":\"malformed\"}\n", (long long)lineno);
		return;
	}
	if (sl.repeat_last) {
		/* "HOST last message repeated N times": ingest feeds the previous line N more times */
		c->recognised++;
		if (c->summary || c->only_unrec)
			return;
		fprintf(f, "{\"line\":%lld,\"status\":\"recognised\",\"family\":\"syslog\",\"event\":\"repeat_last\"",
			(long long)lineno);
		print_stamp(f, &sl.ts);
		kv_sv(f, "host", sl.host);
		fprintf(f, ",\"repeat\":%d}\n", sl.repeat_last);
		return;
	}
	fam = ms_grammar_classify(c->g, &sl, &ev);
	c->per_type[ev.type]++;
	if (ev.type == EV_UNKNOWN) {
		c->unrecognised++;
		count_prog(&c->unrec, sl.prog);
	} else {
		if (ev.type == EV_NOISE)
			count_prog(&c->noise, sl.prog.n ? sl.prog : MS_SV_LIT("(no program)"));
		c->recognised++;
	}
	if (c->summary || (c->only_unrec && ev.type != EV_UNKNOWN))
		return;
	fprintf(f, "{\"line\":%lld,\"status\":\"%s\",\"family\":\"%s\",\"event\":\"%s\"", (long long)lineno,
		ev.type == EV_UNKNOWN ? "unrecognised" : "recognised", fam_names[fam], ms_ev_name(ev.type));
	print_stamp(f, &sl.ts);
	kv_sv(f, "host", sl.host);
	kv_sv(f, "program", sl.prog);
	if (sl.pid >= 0)
		fprintf(f, ",\"pid\":%ld", sl.pid);
	if (sl.repeat > 1)
		fprintf(f, ",\"repeat\":%d", sl.repeat); /* rsyslog "message repeated N times" */
	if (fam == MS_FAM_SMTPD) {
		/* the tracker's session key: (host, service, pid) */
		fprintf(f, ",\"session\":");
		char key[512];
		int n = snprintf(key, sizeof key, "%.*s/%.*s/%ld", (int)(sl.host.n > 200 ? 200 : sl.host.n),
				 sl.host.p ? sl.host.p : "", (int)(sl.service.n > 200 ? 200 : sl.service.n),
				 sl.service.p ? sl.service.p : "", sl.pid);
		ms_esc_json(f, key, n < 0 ? 0 : (size_t)n >= sizeof key ? sizeof key - 1 : (size_t)n);
	}
	if (ev.type == EV_UNKNOWN) { /* no fields: a grammar may have stopped half-way */
		fputs("}\n", f);
		return;
	}
	kv_sv(f, "ip", ev.ip);
	if (ev.port >= 0)
		fprintf(f, ",\"port\":%ld", ev.port);
	kv_sv(f, "name", ev.name);
	kv_sv(f, "queue_id", ev.queue_id);
	kv_sv(f, "mech", ev.mech);
	kv_sv(f, "user", ev.user);
	kv_sv(f, "what", ev.what);
	kv_sv(f, "where", ev.where);
	if (ev.type == EV_TLS_READ || ev.type == EV_TLS_WRITE) {
		if (ev.num >= 0)
			fprintf(f, ",\"chars\":%ld", ev.num);
		if (ev.type == EV_TLS_READ)
			print_decoded(f, ev.text, ev.num);
	} else {
		kv_text(f, "reason", ev.reason);
		if (ev.type != EV_Q_MSGID && ev.type != EV_CLIENT_WARN && ev.type != EV_PS_EVENT)
			kv_text(f, "text", ev.text);
		if (ev.num >= 0)
			fprintf(f, ",\"num\":%ld", ev.num);
		if (ev.num2 >= 0)
			fprintf(f, ",\"num2\":%ld", ev.num2);
	}
	kv_sv(f, "from", ev.from);
	kv_sv(f, "to", ev.to);
	kv_sv(f, "helo", ev.helo);
	kv_sv(f, "trust", ev.trust);
	kv_sv(f, "proto", ev.proto);
	kv_sv(f, "cipher", ev.cipher);
	if (ev.bits)
		fprintf(f, ",\"bits\":%d,\"alg_bits\":%d", ev.bits, ev.alg_bits);
	kv_sv(f, "kex", ev.kex);
	kv_sv(f, "sni", ev.sni);
	if (ev.reused)
		fprintf(f, ",\"reused\":true");
	if (ev.type == EV_AUTH_FAIL)
		fprintf(f, ",\"server_fault\":%s", ev.server_fault ? "true" : "false");
	if (ev.type == EV_DOVECOT_AUTH || ev.type == EV_DOVECOT_LOGIN)
		fprintf(f, ",\"fail\":%s", ev.fail ? "true" : "false");
	if (ev.type == EV_DISCONNECT && ev.counters.present)
		fprintf(f, ",\"auth\":\"%d/%d\",\"commands\":\"%d/%d\"", ev.counters.auth_ok, ev.counters.auth_total,
			ev.counters.commands_ok, ev.counters.commands_total);
	fputs("}\n", f);
}

/* Stream one input, splitting lines on '\n' (a trailing '\r' is dropped, lines are capped). */
static int parse_stream(parse_ctx *c, ms_cli *cli, const ms_stream_spec *spec)
{
	char err[512];
	ms_input *in = ms_input_open(spec, err, sizeof err);
	char *buf;
	size_t fill = 0, start = 0;
	int64_t lineno = 0;
	int overlong = 0, rc = 0;
	if (!in) {
		ms_err(cli, "%s: %s", spec->path, err);
		return -1;
	}
	buf = malloc(PARSE_BUF);
	if (!buf) {
		ms_input_close(in);
		ms_err(cli, "out of memory");
		return -1;
	}
	for (;;) {
		while (start < fill) {
			char *nl = memchr(buf + start, '\n', fill - start);
			if (!nl) {
				if (fill - start > PARSE_LINE_MAX) {
					if (!overlong)
						do_line(c, ++lineno, buf + start, PARSE_LINE_MAX);
					overlong = 1;
					start = fill;
				}
				break;
			}
			size_t len = (size_t)(nl - (buf + start));
			if (overlong) {
				overlong = 0;
			} else {
				if (len && buf[start + len - 1] == '\r')
					len--;
				do_line(c, ++lineno, buf + start, len > PARSE_LINE_MAX ? PARSE_LINE_MAX : len);
			}
			start = (size_t)(nl - buf) + 1;
		}
		if (start > 0) {
			memmove(buf, buf + start, fill - start);
			fill -= start;
			start = 0;
		}
		ssize_t r = ms_input_read(in, buf + fill, PARSE_BUF - fill);
		if (r > 0) {
			fill += (size_t)r;
			continue;
		}
		if (r < 0) {
			ms_err(cli, "%s: %s", spec->path, ms_input_error(in));
			rc = -1;
		}
		/* a last line without its newline is a line, but not one the
		 * damage cut: that one ingest does not read either (README) */
		if (fill > 0 && !overlong && r == 0) {
			size_t len = fill;
			if (buf[len - 1] == '\r')
				len--;
			do_line(c, ++lineno, buf, len > PARSE_LINE_MAX ? PARSE_LINE_MAX : len);
		}
		break;
	}
	free(buf);
	ms_input_close(in);
	return rc;
}

static void print_progs(FILE *f, const char *title, const prog_count *pc)
{
	if (pc->nprogs)
		fprintf(f, "%s:\n", title);
	for (int i = 0; i < pc->nprogs; i++) {
		char name[128];
		ms_esc_text_buf(name, sizeof name, pc->progs[i].name, strlen(pc->progs[i].name));
		fprintf(f, "  %-24s %lld\n", name, (long long)pc->progs[i].n);
	}
	if (pc->other_progs)
		fprintf(f, "  %-24s %lld\n", "(other programs)", (long long)pc->other_progs);
}

static void print_summary(parse_ctx *c)
{
	FILE *f = c->out;
	fprintf(f, "lines %lld, recognised %lld, unrecognised %lld (no syslog header %lld), skipped %lld (journalctl markers %lld)\n",
		(long long)c->lines, (long long)c->recognised, (long long)c->unrecognised, (long long)c->malformed,
		(long long)c->skipped, (long long)c->markers);
	for (int t = 0; t < EV__COUNT; t++)
		if (c->per_type[t])
			fprintf(f, "  %-16s %lld\n", ms_ev_name((ms_ev_type)t), (long long)c->per_type[t]);
	print_progs(f, "noise by program", &c->noise);
	print_progs(f, "unrecognised by program", &c->unrec);
}

/* what a directory left out: the notices (a repeated set), not the detail */
static void expand_note(void *ctx, int level, const char *msg)
{
	if (level >= 1)
		ms_err(ctx, "%s", msg);
}

int cmd_parse(ms_cli *cli, int argc, char **argv)
{
	struct option longs[NOPTS + 1];
	char shorts[32], err[512];
	char *stdin_arg[] = { "-" };
	parse_ctx c;
	int ch, rc = MS_EXIT_OK;
	memset(&c, 0, sizeof c);
	c.out = cli->out;
	ms_opts_build(opts, NOPTS, longs, shorts, sizeof shorts);
	optind = 1;
	while ((ch = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (ch) {
		case O_HELP:
			ms_opts_help(cli->out, "mailsleuth parse [options] [FILE...]",
				     "Debugging: classify every line on its own (syslog header + grammar, no\n"
				     "sessions, no database) and print one JSON object per line: line number,\n"
				     "recognised or not, event type and the fields extracted (ip, port, user,\n"
				     "mech, reason, session key ...). Without FILE, read standard input.\n"
				     "TLS-debug plaintext is never printed.", opts, NOPTS);
			return MS_EXIT_OK;
		case O_UNREC: c.only_unrec = 1; break;
		case O_SUMMARY: c.summary = 1; break;
		default:
			return MS_EXIT_USAGE;
		}
	}
	c.g = ms_grammar_new(err, sizeof err);
	if (!c.g) {
		ms_err(cli, "%s", err);
		return MS_EXIT_DB;
	}
	char **files = argv + optind;
	int nfiles = argc - optind;
	if (nfiles == 0) {
		files = stdin_arg;
		nfiles = 1;
	}
	ms_expand_opts eo = { NULL, 0, expand_note, cli };
	for (int i = 0; i < nfiles; i++) {
		ms_stream_spec *specs = NULL;
		size_t n = 0;
		if (ms_expand_arg_opts(files[i], &eo, &specs, &n, err, sizeof err) != 0) {
			ms_err(cli, "%s: %s", files[i], err);
			rc = MS_EXIT_INPUT;
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			if (nfiles > 1 || n > 1) {
				if (!c.summary) {
					fprintf(c.out, "{\"file\":");
					const char *nm = specs[k].member ? specs[k].member : specs[k].path;
					ms_esc_json(c.out, nm, strlen(nm));
					fputs("}\n", c.out);
				}
			}
			if (parse_stream(&c, cli, &specs[k]) != 0) {
				rc = MS_EXIT_INPUT; /* (a member cut by its archive's damage says so) */
			} else if (specs[k].list_error) {
				/* an archive damaged after this member: the members before were read */
				char dmg[512];
				ms_stream_spec_damage(&specs[k], dmg, sizeof dmg);
				ms_err(cli, "%s: %s", specs[k].path, dmg);
				rc = MS_EXIT_INPUT;
			}
		}
		ms_stream_specs_free(specs, n);
	}
	if (c.summary)
		print_summary(&c);
	ms_grammar_free(c.g);
	return rc;
}
