// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel log watching: /dev/kmsg cursor, badness classifier, taint flags.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_kmsg.h"
#include "mr_util.h"

#define KMSG		"/dev/kmsg"
#define RECORD_MAX	8192

/* A splat that opened this many lines ago no longer absorbs an oops. */
#define SPLAT_LINES	100
/* WARN(cond, fmt) prints its message just before the WARNING line. */
#define MESSAGE_LINES	3

static const char * const class_names[MR_NR_CLASSES] = {
	[MR_CLASS_NONE]			= "none",
	[MR_CLASS_CONT]			= "cont",
	[MR_CLASS_WARNING]		= "warning",
	[MR_CLASS_BUG]			= "bug",
	[MR_CLASS_BAD_PAGE]		= "bad_page",
	[MR_CLASS_SOFT_LOCKUP]		= "soft_lockup",
	[MR_CLASS_KASAN]		= "kasan",
	[MR_CLASS_KERNEL_BUG]		= "kernel_bug",
	[MR_CLASS_OOPS]			= "oops",
	[MR_CLASS_GPF]			= "gpf",
	[MR_CLASS_INVALID_OPCODE]	= "invalid_opcode",
	[MR_CLASS_PANIC]		= "panic",
	[MR_CLASS_LIST_CORRUPTION]	= "list_corruption",
	[MR_CLASS_LRU_SIZE]		= "lru_size",
	[MR_CLASS_HUNG_TASK]		= "hung_task",
	[MR_CLASS_RCU_STALL]		= "rcu_stall",
	[MR_CLASS_UBSAN]		= "ubsan",
	[MR_CLASS_OOM]			= "oom",
	[MR_CLASS_MEMCG_OOM]		= "memcg_oom",
};

const char *mr_class_name(enum mr_class class)
{
	if (class < 0 || class >= MR_NR_CLASSES)
		return "unknown";
	return class_names[class];
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "6,1234,5678,-;" or "6,1234,5678,-,caller=T1;": numbers, commas, flags */
static const char *skip_record_header(const char *s)
{
	const char *p = s;
	int commas = 0;

	if (!isdigit((unsigned char)*p))
		return s;
	for (; *p && *p != ';'; p++) {
		if (*p == ',')
			commas++;
		else if (!isalnum((unsigned char)*p) && *p != '-' &&
			 *p != '=' && *p != '+')
			return s;
	}
	return *p == ';' && commas >= 3 ? p + 1 : s;
}

/* "[    1.234567]" timestamp, or "[  T123]" / "[    C1]" caller id */
static const char *skip_bracket(const char *s, bool caller)
{
	const char *p = s + 1;

	if (*s != '[')
		return s;
	while (*p == ' ')
		p++;
	if (caller) {
		if (*p != 'T' && *p != 'C')
			return s;
		p++;
		if (!isdigit((unsigned char)*p))
			return s;
		while (isdigit((unsigned char)*p))
			p++;
	} else {
		if (!isdigit((unsigned char)*p))
			return s;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p++ != '.' || !isdigit((unsigned char)*p))
			return s;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p++ != ']')
		return s;
	return p;
}

const char *mr_strip_prefix(const char *line)
{
	const char *s = skip_record_header(line), *p;

	/* syslog level as printed by "dmesg -r": "<4>" */
	if (s[0] == '<' && isdigit((unsigned char)s[1])) {
		p = s + 1;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == '>')
			s = p + 1;
	}
	p = skip_bracket(s, false);
	if (p != s) {
		s = p;
		if (*s == ' ' && s[1] == '[')
			s++;
		s = skip_bracket(s, true);
		if (*s == ' ')
			s++;
	}
	return s;
}

static const char * const benign[] = {
	"ODEBUG:",
	"INFO: lockdep is turned off",
	"INFO: NMI handler",
	"This means that this is a DEBUG kernel",
};

enum mr_class mr_classify(const char *line)
{
	const char *s = mr_strip_prefix(line);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(benign); i++)
		if (starts(s, benign[i]))
			return MR_CLASS_NONE;

	if (starts(s, "Call Trace:") || starts(s, "---[ end trace"))
		return MR_CLASS_CONT;
	if (starts(s, "WARNING:"))
		return MR_CLASS_WARNING;
	if (starts(s, "BUG: Bad page state"))
		return MR_CLASS_BAD_PAGE;
	if (starts(s, "BUG: soft lockup"))
		return MR_CLASS_SOFT_LOCKUP;
	if (starts(s, "BUG: KASAN:"))
		return MR_CLASS_KASAN;
	if (starts(s, "BUG:"))
		return MR_CLASS_BUG;
	if (starts(s, "kernel BUG at"))
		return MR_CLASS_KERNEL_BUG;
	if (starts(s, "Oops: general protection fault") ||
	    starts(s, "general protection fault"))
		return MR_CLASS_GPF;
	if (starts(s, "Oops: invalid opcode") || starts(s, "invalid opcode:"))
		return MR_CLASS_INVALID_OPCODE;
	if (starts(s, "Oops:"))
		return MR_CLASS_OOPS;
	if (starts(s, "Kernel panic - not syncing"))
		return MR_CLASS_PANIC;
	if (starts(s, "list_add corruption") || starts(s, "list_del corruption"))
		return MR_CLASS_LIST_CORRUPTION;
	if (starts(s, "mem_cgroup_update_lru_size(") &&
	    strstr(s, "): lru_size "))
		return MR_CLASS_LRU_SIZE;
	if (starts(s, "INFO: task ") && strstr(s, " blocked for more than "))
		return MR_CLASS_HUNG_TASK;
	if ((starts(s, "rcu: INFO: ") || starts(s, "INFO: ")) &&
	    (strstr(s, " detected stall") || strstr(s, " self-detected stall")))
		return MR_CLASS_RCU_STALL;
	if (starts(s, "UBSAN:"))
		return MR_CLASS_UBSAN;
	if (starts(s, "Out of memory"))
		return MR_CLASS_OOM;
	if (starts(s, "Memory cgroup out of memory"))
		return MR_CLASS_MEMCG_OOM;
	return MR_CLASS_NONE;
}

/* Classes that an open splat of class @open absorbs within @age lines. */
static bool absorbs(enum mr_class open, int age, enum mr_class c)
{
	switch (c) {
	case MR_CLASS_OOPS:
	case MR_CLASS_GPF:
	case MR_CLASS_INVALID_OPCODE:
		return open != MR_CLASS_NONE && age < SPLAT_LINES;
	case MR_CLASS_WARNING:
	case MR_CLASS_KERNEL_BUG:
		return (open == MR_CLASS_LRU_SIZE ||
			open == MR_CLASS_LIST_CORRUPTION) && age < MESSAGE_LINES;
	default:
		return false;
	}
}

enum mr_class mr_splat_feed(struct mr_splat *s, const char *line)
{
	const char *msg = mr_strip_prefix(line);
	enum mr_class c = mr_classify(line);

	s->age++;
	if (c == MR_CLASS_CONT) {
		if (starts(msg, "---[ end trace"))
			s->open = MR_CLASS_NONE;
		return MR_CLASS_NONE;
	}
	if (c == MR_CLASS_NONE)
		return MR_CLASS_NONE;
	if (absorbs(s->open, s->age, c))
		return MR_CLASS_NONE;
	s->open = c;
	s->age = 0;
	return c;
}

static int kmsg_open(struct mr_kmsg *k, int whence)
{
	memset(k, 0, sizeof(*k));
	k->fd = open(KMSG, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, whence) < 0) {
		close(k->fd);
		k->fd = -1;
		return -errno;
	}
	return 0;
}

int mr_kmsg_open(struct mr_kmsg *k)
{
	return kmsg_open(k, SEEK_END);
}

static int kmsg_read(struct mr_kmsg *k, char *buf, size_t len,
		     unsigned long long *seq)
{
	char rec[RECORD_MAX], *text, *end;
	ssize_t n;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n >= 0)
			break;
		if (errno == EAGAIN)
			return 0;
		if (errno == EPIPE)
			continue;	/* counted from the seq gap below */
		if (errno != EINTR)
			return -errno;
	}
	rec[n] = '\0';
	/* "PRI,SEQ,TS_USEC,FLAGS[,...];TEXT\n[ KEY=VALUE\n...]" */
	text = strchr(rec, ';');
	end = strchr(rec, ',');
	if (!text || !end)
		return -EINVAL;
	*seq = strtoull(end + 1, NULL, 10);
	text++;
	end = strchr(text, '\n');
	if (end)
		*end = '\0';
	snprintf(buf, len, "%s", text);
	return 1;
}

int mr_kmsg_next(struct mr_kmsg *k, char *buf, size_t len,
		 unsigned long long *seq)
{
	int ret;

	for (;;) {
		ret = kmsg_read(k, buf, len, seq);
		if (ret <= 0)
			return ret;
		if (*seq < k->first_seq)
			continue;
		if (k->next_seq && *seq > k->next_seq)
			k->lost += *seq - k->next_seq;
		k->next_seq = *seq + 1;
		return 1;
	}
}

int mr_kmsg_open_seq(struct mr_kmsg *k, unsigned long long seq)
{
	int ret = kmsg_open(k, SEEK_SET);

	if (ret)
		return ret;
	k->first_seq = seq;
	k->next_seq = seq;
	return 0;
}

void mr_kmsg_close(struct mr_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

int mr_kmsg_mark(const char *what, const char *name, unsigned long long *seq)
{
	char want[512], msg[sizeof(want) + 8], text[RECORD_MAX];
	unsigned long long s;
	struct mr_kmsg k;
	int fd, ret, i;

	/*
	 * Level 5 (notice) so that the marker reaches the console too; the
	 * newline finalizes the record at once (readers of /dev/kmsg do not
	 * see a record that a continuation line could still extend).
	 */
	snprintf(want, sizeof(want), MR_NAME ": %s %s", what, name);
	snprintf(msg, sizeof(msg), "<5>%s\n", want);
	if (seq) {
		ret = mr_kmsg_open(&k);
		if (ret)
			return ret;
	}
	fd = open(KMSG, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, msg, strlen(msg)) < 0) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		if (seq)
			mr_kmsg_close(&k);
		return ret;
	}
	close(fd);
	if (!seq)
		return 0;
	ret = -ENOENT;
	for (i = 0; i < 10000; i++) {
		if (mr_kmsg_next(&k, text, sizeof(text), &s) <= 0)
			break;
		if (!strcmp(text, want)) {
			*seq = s;
			ret = 0;
			break;
		}
	}
	mr_kmsg_close(&k);
	return ret;
}

int mr_taint_read(unsigned long *taint)
{
	char *buf, *end;
	ssize_t len;

	len = mr_read_file("/proc/sys/kernel/tainted", &buf);
	if (len < 0)
		return len;
	*taint = strtoul(buf, &end, 10);
	len = end == buf ? -EINVAL : 0;
	free(buf);
	return len;
}

void mr_taint_letters(unsigned long taint, char *buf, size_t len)
{
	/* kernel/panic.c taint_flags[], bit order */
	static const char letters[] = "PFSRMBUDAWCIOELKXTNJ";
	size_t i, n = 0;

	for (i = 0; i < sizeof(letters) - 1 && n + 1 < len; i++)
		if (taint & (1UL << i))
			buf[n++] = letters[i];
	if (!n && len > 1)
		buf[n++] = '-';
	buf[n] = '\0';
}

/* copy the token of @s that ends before any of @stop into @out */
static const char *take(const char *s, const char *stop, char *out,
			size_t len)
{
	size_t n = strcspn(s, stop);

	if (!n || n >= len)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return s + n;
}

/* "FILE:LINE": a path, a colon, digits only */
static bool is_site(const char *site)
{
	const char *colon = strrchr(site, ':');

	if (!colon || colon == site || !colon[1])
		return false;
	while (*++colon)
		if (!isdigit((unsigned char)*colon))
			return false;
	return true;
}

bool mr_splat_site(const char *line, char *site, size_t site_len,
		   char *func, size_t func_len)
{
	const char *s = mr_strip_prefix(line), *at;

	if (!starts(s, "WARNING: "))
		return false;
	s += strlen("WARNING: ");
	if (starts(s, "CPU: ")) {
		/* older: "CPU: 1 PID: 74 at mm/vmscan.c:3028 fn+0x4c5/0x5a0" */
		at = strstr(s, " at ");
		if (!at)
			return false;
		s = take(at + 4, " ", site, site_len);
		if (!s || *s != ' ')
			return false;
		s++;
	} else {
		/* 7.2: "mm/vmscan.c:3028 at fn+0x4c5/0x5a0, CPU#1: sh/74" */
		s = take(s, " ", site, site_len);
		if (!s || !starts(s, " at "))
			return false;
		s += 4;
	}
	s = take(s, "+ ", func, func_len);
	return s && *s == '+' && is_site(site);
}

struct known_issue {
	char *id;
	char *site;
	char *func;
};

static struct known_issue *known;
static int nr_known;
static bool known_loaded;

void mr_known_free(void)
{
	int i;

	for (i = 0; i < nr_known; i++) {
		free(known[i].id);
		free(known[i].site);
		free(known[i].func);
	}
	free(known);
	known = NULL;
	nr_known = 0;
	known_loaded = false;
}

/* "ID<TAB>FILE:LINE<TAB>FUNCTION" into @k; false if malformed or no memory */
static bool known_parse(char *line, struct known_issue *k)
{
	char *site = strchr(line, '\t'), *func;

	if (!site || site == line)
		return false;
	*site++ = '\0';
	func = strchr(site, '\t');
	if (!func || !func[1] || strchr(func + 1, '\t') ||
	    strpbrk(func + 1, " +"))
		return false;
	*func++ = '\0';
	if (!is_site(site) || strchr(site, ' '))
		return false;
	k->id = strdup(line);
	k->site = strdup(site);
	k->func = strdup(func);
	if (k->id && k->site && k->func)
		return true;
	free(k->id);
	free(k->site);
	free(k->func);
	return false;
}

int mr_known_load(const char *path)
{
	struct known_issue *more;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, ret = 0;
	FILE *f;

	mr_known_free();
	known_loaded = true;
	if (!path || !*path)
		return 0;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		mr_msg("%s: %s", path, strerror(errno));
		return ret;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		more = realloc(known, (nr_known + 1) * sizeof(*known));
		if (!more) {
			ret = -ENOMEM;
			break;
		}
		known = more;
		if (!known_parse(line, &known[nr_known])) {
			mr_msg("%s:%d: not ID<TAB>FILE:LINE<TAB>FUNCTION", path,
			       lineno);
			ret = -EINVAL;
			break;
		}
		nr_known++;
	}
	free(line);
	fclose(f);
	if (ret) {
		mr_known_free();
		known_loaded = true;
		return ret;
	}
	return nr_known;
}

const char *mr_known_match(const char *line)
{
	char site[256], func[128];
	int i;

	if (!known_loaded)
		mr_known_load(getenv("MR_KNOWN_FILE"));
	if (!nr_known || !mr_splat_site(line, site, sizeof(site), func,
					sizeof(func)))
		return NULL;
	for (i = 0; i < nr_known; i++)
		if (!strcmp(known[i].site, site) && !strcmp(known[i].func, func))
			return known[i].id;
	return NULL;
}

int mr_kernel_check(unsigned long long start_seq, const char *end_marker,
		    unsigned long taint_before)
{
	char text[RECORD_MAX], before[32], now[32], added[32];
	struct mr_splat splat = {};
	unsigned long long seq;
	unsigned long taint, added_bad;
	const char *id;
	struct mr_kmsg k;
	enum mr_class c;
	int ret, problems = 0, nr_known_seen = 0;

	ret = mr_kmsg_open_seq(&k, start_seq);
	if (ret)
		return ret;
	while ((ret = mr_kmsg_next(&k, text, sizeof(text), &seq)) > 0) {
		if (*end_marker && !strcmp(text, end_marker))
			break;
		c = mr_splat_feed(&splat, text);
		if (c == MR_CLASS_NONE)
			continue;
		id = mr_known_match(text);
		if (id) {
			mr_msg("kernel known %s (%s): %s", id, mr_class_name(c),
			       text);
			nr_known_seen++;
			continue;
		}
		mr_msg("kernel %s: %s", mr_class_name(c), text);
		problems++;
	}
	if (k.lost)
		mr_msg("kernel log: %lu record(s) lost to overwrites (the taint check still applies)",
		       k.lost);
	mr_kmsg_close(&k);
	if (ret < 0)
		return ret;

	ret = mr_taint_read(&taint);
	if (ret)
		return ret;
	added_bad = (taint & ~taint_before) & MR_TAINT_BAD;
	if (added_bad) {
		mr_taint_letters(taint_before, before, sizeof(before));
		mr_taint_letters(taint, now, sizeof(now));
		mr_taint_letters(taint & ~taint_before, added, sizeof(added));
		/* a known WARN explains a new W when nothing else happened */
		if (added_bad == MR_TAINT_WARN && nr_known_seen && !problems &&
		    !k.lost) {
			mr_msg("kernel taint: %s -> %s (new: %s, from the known issue)",
			       before, now, added);
		} else {
			mr_msg("kernel taint: %s -> %s (new: %s)", before, now,
			       added);
			problems++;
		}
	}
	return problems;
}
