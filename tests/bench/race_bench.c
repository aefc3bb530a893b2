// SPDX-License-Identifier: GPL-2.0-only
/*
 * race_bench - offlines per second of the race tests' churn engine
 *
 *	race_bench plain|pressure PARENT SCRATCH SECONDS
 *
 * Runs selftests/lib/mr_churn.c as reparent_race does, without the test's
 * own leaf load: MR_CHURNERS churners (default 2 x CPUs) build subtrees up
 * to MR_RACE_DEPTH (default 4) deep below PARENT/rb.t, each memcg loaded
 * with the churn benchmark's 256 KiB of page cache (plus 256 KiB of anon),
 * and remove them.  "plain" runs no workers; "pressure" runs the
 * memory.reclaim worker and MGLRU shaping, aging and eviction (variant
 * lrugen).  Prints "mode=race|race+pressure offlines=N cycles=N seconds=S
 * rate=R churners=N max_depth=N" on stdout; rate is offlines per second,
 * comparable with churn_bench's cycles per second (one offline each).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mr_churn.h"
#include "mr_lrugen.h"
#include "mr_util.h"

int main(int argc, char **argv)
{
	char ctl[PATH_MAX], root[PATH_MAX], keeper[PATH_MAX], why[256];
	struct mr_churn_cfg cfg = { .seed = 1 };
	struct mr_churn_stats st;
	struct mr_cg_run run;
	bool pressure;
	int ret;

	if (argc != 5 || (strcmp(argv[1], "plain") &&
			  strcmp(argv[1], "pressure"))) {
		fprintf(stderr, "usage: %s plain|pressure PARENT SCRATCH SECONDS\n",
			argv[0]);
		return 2;
	}
	pressure = !strcmp(argv[1], "pressure");
	ret = mr_cg_probe(&run, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "%s\n", why);
		return 1;
	}
	if (mr_pathf(ctl, sizeof(ctl), "%s/rb.ctl", argv[2]) ||
	    mr_pathf(root, sizeof(root), "%s/rb.t", argv[2]) ||
	    mr_pathf(keeper, sizeof(keeper), "%s/keeper", root))
		return 1;
	if (mkdir(ctl, 0755) || mkdir(root, 0755) ||
	    mr_cg_write(root, "cgroup.subtree_control", "+memory") ||
	    mkdir(keeper, 0755)) {
		perror("setup");
		return 1;
	}
	cfg.root = root;
	cfg.ctl = ctl;
	cfg.keeper = keeper;
	cfg.files = argv[3];
	cfg.run = &run;
	cfg.seconds = atol(argv[4]);
	cfg.no_workers = !pressure;
	cfg.lrugen = pressure && mr_lrugen_enabled() == 1;
	if (mr_churn_params(root, &cfg.churners, &cfg.max_depth))
		return 1;
	ret = mr_churn_run(&cfg, &st);
	mr_churn_report(&cfg, &st);
	printf("mode=%s offlines=%ld cycles=%ld seconds=%.2f rate=%.1f churners=%d max_depth=%d\n",
	       pressure ? "race+pressure" : "race", st.offlines, st.cycles,
	       st.elapsed_ms / 1000.0,
	       st.elapsed_ms ? st.offlines * 1000.0 / st.elapsed_ms : 0,
	       cfg.churners, cfg.max_depth);
	rmdir(keeper);
	rmdir(root);
	rmdir(ctl);
	return ret ? 1 : 0;
}
