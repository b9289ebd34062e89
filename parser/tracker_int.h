/* SPDX-License-Identifier: MIT */
/* tracker_int.h - tracker internals shared by tracker*.c (not a public API).
 * All state is plain data (fixed arrays, indices, no pointers) so that it
 * can be saved and restored byte for byte (tracker_state.c). */
#ifndef MS_TRACKER_INT_H
#define MS_TRACKER_INT_H

#include "tracker.h"
#include <stddef.h>
#include <string.h>

#define T_HOSTLEN (MS_TRACKER_NAME_MAX + 1)
#define T_NAME_MEMO 4
#define T_IPLEN 48
#define T_NAMELEN 128
#define T_USERLEN 128
#define T_SMALL 32
#define DLG_DONE 4 /* t_sess.dlg: logged in, the dialogue names no one else */
#define DLG_STATE 7    /* t_sess.dlg: the state; and flags: the last read ended inside an */
#define DLG_OPEN_USER 8 /* answer whose user name the next read may go on with */
#define DLG_OPEN_PW 16  /* answer whose password the next read may go on with */
#define DLG_OPEN_RETRY 32 /* ...and whose name was read as cut only because it may go on:
			   * a line end alone next makes it a whole answer of no shape, no name */
#define DLG_OPEN (DLG_OPEN_USER | DLG_OPEN_PW | DLG_OPEN_RETRY)
#define T_NAMES_START 4096      /* host and service names: the table starts so, and doubles */
#define T_MAXNAMES MS_TRACKER_MAX_NAMES /* up to this (a central log of thousands of hosts) */
#define T_RDNS_N 256             /* recent connects whose reverse name did not match */
#define T_QID_N 256              /* recent smtpd client= lines: a cleanup reject's session */
#define T_NOUSER_N 64            /* recent "unknown user" lines */
#define T_PAM_N 32               /* recent Dovecot PAM lines (pam(u,IP) and its pam_unix companion) */

typedef struct {
	char s[T_HOSTLEN];
	/* as a host (see host_clock()): the latest time it logged, and the
	 * tracker's "now" when it last logged; host: it is a host's name */
	int64_t now, seen;
	int host;
	/* as a host: it has logged a plesk_saslauthd or saslauthd (smtp) line,
	 * so its Postfix asks saslauthd and its Dovecot lines are IMAP/POP's */
	int saslauthd;
} t_name;

typedef struct {
	char user[T_USERLEN];
	char mech[16];
	int user_complete, pw_len, pw_exact, truncated, have_pw;
	uint8_t hmac[32];
} t_decoded;

typedef struct {
	int used;
	int host, svc;           /* name indices */
	long pid;
	int64_t id, start_ts, last_ts;
	int64_t seen_ts;         /* its last line naming the client: where a session no
				  * disconnect ends ends (SEMANTICS' last_seen), not at a
				  * TLS-debug line after it */
	int orphan;
	char ip[T_IPLEN], client_name[T_NAMELEN];
	long port;
	int rdns_mismatch;
	int tls_setup, tls_error, tls_bits, tls_alg_bits;
	char tls_proto[16], tls_cipher[64], tls_trust[16], tls_kex[32], tls_sni[T_NAMELEN];
	int auth_failures, auth_errors, auth_aborts, auth_successes, auth_decoded;
	char auth_user[T_USERLEN], auth_method[T_SMALL];
	int auth_user_src;
	int messages, rejects, nonsmtp, pipelining, ratelimited;
	char end_reason[24], end_after[24];
	ms_counters counters;
	int64_t source_id, first_line, last_line;
	/* TLS-debug dialogue decoding */
	int dlg;                 /* 0 idle, 1 expect LOGIN user, 2 expect LOGIN password, 3 expect PLAIN response,
				  * DLG_DONE the server said 235 (logged in), 5 expect CRAM-MD5 answer */
	int in_data;
	int have_dec;
	t_decoded dec;
	/* last: a state saved before it was added is read too (T_SESS_V1_SIZE) */
	int64_t sasl_down_ts;    /* the SASL library could not reach its password
				  * server at this time, last (0: never) */
} t_sess;
#define T_SESS_V1_SIZE offsetof(t_sess, sasl_down_ts)

typedef struct {
	int used, kind;           /* kind: 1 plesk, 2 saslauthd, 3 dovecot */
	int written;              /* a checkpoint wrote it as unmatched (backend_events row id) */
	int64_t id, ts;           /* id: its backend_events row, given when it is held */
	int host;
	char user[T_USERLEN], ip[T_IPLEN], service[T_SMALL];
	int pw_len, user_unknown;
	int64_t source_id, line;
	/* added later, after the fields a saved state of the version before
	 * has (tracker_state.c reads those too) */
	char sid[T_SMALL];        /* Dovecot: the request's "<session>" id, when logged */
	char mech[T_SMALL];       /* Dovecot 2.4: the request's mechanism ("sasl:plain"), when logged */
	uint32_t sid_h, user_h;   /* pn_sid_hash(sid) (0: none), ms_tracker_acct_hash(user) */
	int not_smtp;             /* Dovecot: its session's login line (IMAP, POP) was seen */
} t_pback;

typedef struct {
	int used, matched, written;
	int64_t auth_id, session_id, ts;
	int host, svc;
	char ip[T_IPLEN], client_name[T_NAMELEN];
	char mech[T_SMALL], reason[T_NAMELEN], user[T_USERLEN];
	int user_src;
	int have_dec;
	t_decoded dec;
	int64_t source_id, line;
	/* for compatible(), set with the fields above: the mechanism is LOGIN or
	 * PLAIN; ms_tracker_acct_hash() of user and of a complete dec.user (0:
	 * none); those names have no '@' */
	int plain, user_bare, dec_bare;
	uint32_t user_h, dec_h;
} t_pfail;

/* a failure a Dovecot line named (written so): a saslauthd line of its host
 * still takes it, and the login line of the Dovecot line's session undoes
 * the naming, within the plesk window (login_session()) */
typedef struct {
	t_pfail f;               /* f.used: the entry is live; f.matched 0 */
	t_pback dv;              /* the Dovecot line */
	uint32_t sid_h;          /* hash of dv.sid, 0 when it has none */
	int disowned;            /* its host's first saslauthd line came: dv written unmatched, f unnamed */
} t_pnamed;

#define T_PN_MAX 1024
#define T_SID_BUCKETS 4096

/* an account's hash: its local part as it is, its domain in lower case (same_account()) */
uint32_t ms_tracker_acct_hash(const char *u);

/* pn_sid_count from pn (after a load) */
void ms_tracker_pn_recount(ms_tracker *t);

/* the fields of a failure compatible() reads precomputed (t_pfail) */
void ms_tracker_pfail_keys(t_pfail *f);
/* the same for a back-end line (t_pback) */
void ms_tracker_pback_keys(t_pback *b);

/* room for n names (the table doubles up to T_MAXNAMES): 0, or -1 */
int ms_tracker_names_room(ms_tracker *t, int n);

/* FNV-1a of p[0..n), never 0 (0 stands for "none" in the keys below) */
static inline uint32_t ms_fnv32(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h | 1u;
}

/* t_pnamed.sid_h of a session id */
static inline uint32_t pn_sid_hash(const char *s) { return ms_fnv32(s, strlen(s)); }

#define T_DROP_MAX 8192

typedef struct t_drop {
	int64_t ts;
	int host;
	uint32_t user_h;          /* its known user, lower-cased (has_user 1), or the
				   * first user_n bytes a decode cut short (has_user 2) */
	int32_t pw_len;           /* its decoded password's exact length, or -1 (none), or
				   * -2 - L: cut short after L characters (at least L) */
	uint16_t user_n;
	uint8_t has_user, used;
} t_drop;


typedef struct {
	int used;
	int host;
	char qid[28];
	int64_t id, session_id, ts, last_ts;
	char ip[T_IPLEN], account[T_USERLEN], sender[T_USERLEN], msgid[T_NAMELEN];
	long size;
	int nrcpt, delivered, bounced, deferred;
	int64_t source_id, line;
} t_msg;

typedef struct {
	int used;
	int host;
	char ip[T_IPLEN];
	long port;
	int64_t id, start_ts, end_ts;
	char verdict[T_SMALL];
	int dnsbl_rank, pregreet, events;
	int64_t source_id, line;
} t_ps;

/* an open entry's last activity, to evict the least recently active first; ties go
 * by the entry's id (creation order: the same whatever slot it has, so a run
 * resumed from a saved state evicts the same entries as one that never stopped) */
typedef struct {
	int64_t ts, id;
	int idx;
} t_age;

typedef struct {
	int used;
	int host;
	long pid;
	int64_t ts;
	char ip[T_IPLEN];
	/* the warning's own line, for the orphan session of one no connect
	 * takes (a state saved before these fields: svc -1, no session) */
	int svc;
	int64_t source_id, line;
} t_rdns;
#define T_RDNS_V1_SIZE offsetof(t_rdns, svc) /* the record a state saved before had */

typedef struct {
	int used, host;
	int64_t ts;
	char user[T_USERLEN];
} t_nouser;

/* a Dovecot PAM line not yet paired with the other line of its attempt */
typedef struct {
	int used, host, unix_line;   /* unix_line: pam_unix(dovecot:auth)'s, else auth-worker's pam(u,IP) */
	int64_t ts, pb_id;           /* pb_id: the waiting back-end line it became, 0 when none */
	int64_t auth_id;             /* the failure it named, 0 when none */
	char user[T_USERLEN], ip[T_IPLEN];
} t_pam;

struct ms_tracker {
	ms_tracker_cfg cfg;
	ms_sink sink;
	ms_idgen ids;
	ms_tracker_stats st;
	/* the client the line being fed names, when it is not its session's
	 * (XCLIENT changed it): what that line's records carry (client_ip()) */
	int64_t line_sess;
	char line_ip[T_IPLEN];
	int64_t now;             /* latest log time seen */
	int64_t last_sweep;
	uint64_t lines;

	int nnames;
	int nhosts;              /* names with host set */
	/* whether the input has had lines of more than one syslog host (any
	 * line, followed or not; both are then marked hosts in names, which the
	 * saved state keeps): until then its one host's clock is t->now */
	int multi_host;
	size_t host0_n;
	char host0[T_HOSTLEN];
	t_name *names;           /* names_cap (T_NAMES_START .. T_MAXNAMES) */
	int32_t *name_ht;        /* 2*names_cap */
	int names_cap;
	int name_memo[T_NAME_MEMO];  /* the last names looked up (hosts, services): most lines repeat them */
	size_t name_memo_len[T_NAME_MEMO]; /* strlen of those names */
	unsigned name_memo_next;

	t_sess *sess;            /* cfg.max_open */
	/* per slot of sess, beside it: its id and a hash of its host and
	 * address (slot_key(); 0 when the slot is free), chained by that hash
	 * from sess_kb's buckets (-1 ends a chain), so that the open sessions
	 * of a client are found without a scan of the table (a cleanup
	 * reject's candidates: the client chooses how many) and a scan by id
	 * reads 24 bytes a slot, not the slot's cache lines */
	struct t_slot_key {
		int64_t id;
		uint32_t key;
		int32_t next, prev;
	} *sess_keys;
	int32_t *sess_kb;        /* sess_kbcap chain heads */
	int sess_kbcap;
	int32_t *sess_ht;        /* sess_htcap, -1 empty */
	int sess_htcap;
	int32_t *sess_free;      /* stack of free slots */
	int nfree;
	int sess_hi, msg_hi;     /* slots at or above these were never used (and never touched:
				  * scans stop there so memory follows the peak, not the caps) */

	t_pfail *pf;             /* ring of pf_cap slots */
	/* per slot of pf, beside it: what compatible() reads first, so that a
	 * back-end line passes over the failures it cannot explain (thousands
	 * when a spray's failures wait out the window) reading 24 bytes of each
	 * (ms_tracker_pfkeys_rebuild() after a load) */
	struct t_pfkey {
		int64_t ts;
		int32_t host;
		uint32_t user_h, dec_h;
		uint8_t matched, plain, user_bare, dec_bare;
	} *pfk;
	/* failures in pf by host (name index modulo T_PF_HOSTS): a back-end line
	 * of a host with none waiting (a central log's other servers under
	 * attack) looks at none */
#define T_PF_HOSTS 1024
	uint32_t pf_hosts[T_PF_HOSTS];
	int pf_head, pf_count, pf_cap;
	/* failures the full pending ring dropped before their window ended, kept
	 * small: a back-end line that belongs to one of them takes it, as the
	 * earliest, instead of shifting every later name by one (t_drop) */
	struct t_drop *drop;
	int drop_head, drop_count, drop_cap;
	t_pnamed *pn;            /* failures named by Dovecot lines: ring of pn_cap slots, at most T_PN_MAX */
	int pn_head, pn_count, pn_cap;
	/* how many live entries of pn (not disowned) have a session id of each
	 * hash bucket: a login line of no bucket scans nothing (rebuilt at a load) */
	uint16_t pn_sid_count[T_SID_BUCKETS];
	t_pback *pb;             /* ring of pb_cap slots */
	int pb_head, pb_count, pb_cap; /* caps: doubled when full, up to cfg.max_pending */
	int pf_sweep_at, pb_sweep_at;  /* counts at which every done entry goes (pf_sweep()) */

	t_msg *msg;              /* pool of cfg.max_messages; free slots reused lowest first */
	int32_t *msg_ht;         /* open-addressed by (host,qid): msg_cap slots of pool indices, -1 empty */
	int32_t *msg_free;       /* stack of free pool slots */
	int msg_cap, nmsg, msg_nfree;
	t_ps *ps;                /* pool of cfg.max_postscreen; free slots reused lowest first */
	/* conversations a PASS ended, written: the DISCONNECT that follows when
	 * postscreen keeps the client (after-220 tests) is theirs, no new one */
#define T_PS_PASSED_N 64
	/* smtpd processes whose SASL library could not reach its password
	 * server, and when: whatever session they are in (or none: the log
	 * starts there, the session was evicted, a new one began) */
#define T_SASL_DOWN_N 64
	struct {
		int host, svc;
		long pid;
		int64_t ts;
	} sasl_down[T_SASL_DOWN_N];
	unsigned sasl_down_next;
	/* the most recently active of the sessions evicted (idle for an hour,
	 * or the table full), whenever they were evicted: a later line of the
	 * same process naming the same client resumes one (a slow DATA, an
	 * hour without a line) instead of opening an orphan */
#define T_EVICTED_N 64
	t_sess sess_evicted[T_EVICTED_N];
	unsigned sess_evicted_next; /* (unused: the ring keeps the most recently active) */
	uint64_t evicted_pids;   /* bit pid % 64 of each session in it: most connects look no further */
	t_ps ps_passed[T_PS_PASSED_N];
	unsigned ps_passed_next;
	int32_t *ps_ht;          /* open-addressed by (host,ip,port): ps_cap slots of pool indices, -1 empty */
	int32_t *ps_free;        /* stack of free pool slots */
	int ps_cap, nps, ps_nfree, ps_hi;
	t_age *age;              /* eviction scratch: one per entry of the largest table */
	/* the idlest sessions and postscreen conversations of a full table, the
	 * idlest first, evicted one at a time (those active since are skipped) */
	t_age *sess_evq, *ps_evq;
	int sess_evq_n, sess_evq_pos, ps_evq_n, ps_evq_pos;

	/* the queue ids of the last T_QID_N smtpd "QID: client=" lines with
	 * their session and client: cleanup logs its rejects by queue id, and
	 * its client text may be forged (in the saved state: a run may end
	 * between the client= line and cleanup's reject) */
	struct {
		int host;
		int64_t sid;
		char qid[24], ip[T_IPLEN];
	} qids[T_QID_N];
	unsigned qid_next;      /* wraps: only its value modulo T_QID_N (a power of 2) and "more than T_QID_N" matter */

	t_rdns rdns[T_RDNS_N];
	int rdns_next;
	int rdns_used;         /* entries with used set: connects skip the scan when 0 */
	t_nouser nouser[T_NOUSER_N];
	int nouser_next;
	/* Dovecot's auth-worker logs "pam(u,IP): pam_authenticate() failed" and
	 * pam_unix logs "pam_unix(dovecot:auth): authentication failure ...
	 * rhost=IP user=u" about the same attempt (not in the saved state: the
	 * two are a second apart) */
	t_pam pam[T_PAM_N];
	unsigned pam_next;
};

/* tracker.c internals used by tracker_state.c */
void ms_tracker_rebuild_index(ms_tracker *t);
/* empties both pending rings, with room for npf and npb entries; -1: out of memory */
int ms_tracker_rings_reset(ms_tracker *t, int npf, int npb);
/* pfk from the failures in pf (after they were loaded) */
void ms_tracker_pfkeys_rebuild(ms_tracker *t);

/* t->evicted_pids again from the evicted sessions (after they changed or were loaded) */
void ms_tracker_evicted_mask(ms_tracker *t);

#endif
