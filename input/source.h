/* SPDX-License-Identifier: MIT */
/*
 * source.h - open log inputs and stream their decompressed bytes.
 *
 * An input path is a plain file, a compressed file (gzip, bzip2, xz, lzma,
 * zstd, lz4: detected by content, never by name), a tar archive (plain or
 * compressed) whose regular-file members are each a separate source, or "-"
 * for standard input.  Reading is streaming with bounded memory.
 *
 * Ownership: ms_input_open() returns an object the caller frees with
 * ms_input_close().  Errors are returned, never printed; the message is
 * available from ms_input_error().
 */
#ifndef MS_SOURCE_H
#define MS_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
	MS_COMP_NONE = 0,
	MS_COMP_GZIP,
	MS_COMP_BZIP2,
	MS_COMP_XZ,
	MS_COMP_LZMA,
	MS_COMP_ZSTD,
	MS_COMP_LZ4,
	MS_COMP_OTHER
} ms_compression;

const char *ms_compression_name(ms_compression c); /* "plain", "gzip", ... */

/* The first 16 bytes of an SQLite database file ("SQLite format 3" and its NUL). */
extern const char ms_sqlite_magic[16];

/* One readable stream: a file, stdin, or one member of an archive. */
typedef struct ms_input ms_input;

typedef struct {
	char *display;        /* "maillog.2.gz", "logs.tar.gz:maillog.1" or "(stdin)" (owned) */
	ms_compression comp;  /* compression of this stream's bytes (of the member itself for a member) */
	ms_compression archive_comp; /* for a member: compression of its archive (MS_COMP_NONE otherwise) */
	int is_archive_member;
	int seekable;         /* plain regular file: offsets are file offsets */
	int64_t file_size;    /* size on disk (compressed size); member size for a member; -1 if unknown */
	int64_t mtime;        /* modification time (UTC seconds); member mtime for tar; -1 unknown */
} ms_input_info;

/*
 * Expand a user argument into the list of streams it holds: a directory gives
 * its regular files sorted by name (not recursive, hidden files skipped), a
 * tar archive (also one inside such a directory) gives one entry per regular
 * member in archive order, anything else gives itself.  "-" gives stdin.
 * Only regular files are probed for tar content (probing a FIFO would eat it).
 * *specs is a heap array of *n entries (free with ms_stream_specs_free).
 * Returns 0, or -1 with the reason in err: strerror() text such as "No such
 * file or directory" for an unusable argument, libarchive's message for an
 * archive so damaged that not one member could be listed.  An archive
 * damaged after some members gives those members, the last of them with
 * list_error set.  A file inside a directory that cannot be opened is still
 * listed; ms_input_open() then reports it.
 */
typedef struct {
	char *path;    /* file path, or "-" */
	char *member;  /* archive member name, or NULL */
	int64_t mtime; /* -1 if unknown */
	int64_t size;  /* on-disk size (compressed); member size for a member; -1 if unknown */
	char *list_error; /* the last member listed of a damaged archive: why no later
			   * member could be listed (libarchive's message, owned); else NULL */
} ms_stream_spec;

int ms_expand_arg(const char *arg, ms_stream_spec **specs, size_t *n, char *err, size_t errlen);

/* A file by identity (device and inode), whatever path names it. */
typedef struct {
	dev_t dev;
	ino_t ino;
} ms_file_id;

/*
 * What a directory leaves out.  Whatever the options, a directory never
 * yields a file that starts with the SQLite magic ("SQLite format 3\0"),
 * nor, when it holds a mail.log set (mail.log or any rotation of it), the
 * sets mail.info, mail.warn, mail.err and syslog: Debian's rsyslog writes
 * the same lines to them again, and reading both would count every event
 * twice.  Files named explicitly are read, except the files of own (and,
 * through ms_drop_repeated_sets(), those repeated sets beside a named
 * mail.log).
 */
typedef struct {
	/* files this run writes (the database, the --rejects file): a directory
	 * leaves them out, and the -journal, -wal and -shm files beside them; an
	 * argument naming one is an error */
	const ms_file_id *own;
	size_t nown;
	/* told what was left out and why: level 0 is detail (for --verbose),
	 * level 1 a notice (a skipped set), once per set; may be NULL */
	void (*note)(void *ctx, int level, const char *msg);
	void *note_ctx;
} ms_expand_opts;

/* ms_expand_arg() with options (o may be NULL: ms_expand_arg() is that) */
int ms_expand_arg_opts(const char *arg, const ms_expand_opts *o, ms_stream_spec **specs, size_t *n,
		       char *err, size_t errlen);
void ms_stream_specs_free(ms_stream_spec *specs, size_t n);
/*
 * The same rule for files named one by one (a shell's /var/log/mail*): a
 * file of the sets mail.info, mail.warn, mail.err or syslog is left out of
 * specs[0..*n) (freed, the rest moved up) when a file of the mail.log set
 * in the same directory is named too; o->note is told once per set.
 * Archive members and standard input are kept.  Returns how many were
 * left out.
 */
size_t ms_drop_repeated_sets(ms_stream_spec *specs, size_t *n, const ms_expand_opts *o);
/* What a spec's list_error means for its archive ("DAMAGE after its member M:
 * no later member could be read") into buf; "" without one. */
void ms_stream_spec_damage(const ms_stream_spec *s, char *buf, size_t cap);

/*
 * Open one stream.  Returns NULL with a message in err on failure (the file
 * or archive member cannot be opened).  Damaged compressed data is not an
 * open error: it is reported by ms_input_read().  A member is found by name
 * (the first regular member with that name); opening it reads the archive
 * up to it.  A tar archive that cannot be listed member by member (standard
 * input, a FIFO or device, a member of another archive) is refused: its
 * headers and members run together would be read as lines.
 */
ms_input *ms_input_open(const ms_stream_spec *spec, char *err, size_t errlen);

/*
 * Read up to cap decompressed bytes.  Returns bytes read (> 0), 0 at clean
 * end of stream, -1 on error (corrupt/truncated data, I/O error): the message
 * is then in ms_input_error(), and every later call returns -1 too.  Bytes
 * decoded before the damage are returned by earlier calls first (gzip,
 * bzip2, xz, lzma and zstd have their own decoders that return every byte
 * they decoded; lz4, through libarchive, can lose libarchive's last,
 * incomplete 64 KiB output block, but lz4 frames decode whole blocks of
 * up to 4 MiB anyway).
 */
ssize_t ms_input_read(ms_input *in, void *buf, size_t cap);

/*
 * Skip n decompressed bytes from the current position (used to resume a
 * source that was partly ingested).  For seekable plain files this is a seek.
 * Returns 0, -1 on an error, or -2 when the stream ended, whole, before n
 * bytes (ms_input_error() says which; the input is unusable from then on).
 */
int ms_input_skip(ms_input *in, uint64_t n);
/* the last bytes (at most cap, at most MS_SKIPPED_TAIL unless seekable) the
 * last ms_input_skip() passed over, into buf: how many (0: none known) */
#define MS_SKIPPED_TAIL 256
/* A plain file read to its end inside a line: when it was written to in the
 * last two seconds, wait up to ms milliseconds for it to grow (a daemon in
 * the middle of writing that line), and set *waited.  1 when it grew: read on. */
int ms_input_wait_growth(ms_input *in, int ms, int *waited);
size_t ms_input_skipped_tail(ms_input *in, void *buf, size_t cap);

/*
 * Read up to cap bytes at file offset off of a seekable plain file (the
 * position of ms_input_read() does not move).  The bytes read, or -1 when
 * the input is not seekable or the read fails.
 */
ssize_t ms_input_pread(ms_input *in, void *buf, size_t cap, uint64_t off);

const ms_input_info *ms_input_get_info(const ms_input *in);
/* 1 when reading an archive member stopped at damage in the archive itself
 * (not in the member's own compressed data) */
int ms_input_archive_damaged(const ms_input *in);
const char *ms_input_error(const ms_input *in);
void ms_input_close(ms_input *in);

/*
 * Read the first up-to-cap decompressed bytes of a stream without keeping it
 * open (used for fingerprints and for peeking the first timestamp).
 * Returns bytes read (fewer than cap only at end of stream, or when the data
 * is damaged after them), or -1 with a message in err.
 */
ssize_t ms_input_peek(const ms_stream_spec *spec, void *buf, size_t cap, char *err, size_t errlen);

#endif
