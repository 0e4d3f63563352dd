#!/usr/bin/env bash
# bench/fim.sh: driftwatch's file-integrity engine against AIDE and the machine's
# own limits, on one directory tree with a warm page cache.
#
#   bench/fim.sh [--tree DIR | --synthetic N] [--runs N] [--jobs N] [--aide-max N] [--driftwatch PATH]
#
# Every command runs --runs times under GNU time; the table shows the median
# wall time and the highest peak RSS seen. AIDE is skipped on trees of more
# than --aide-max entries (default 200000; 0: always run it). See bench/README.md.
set -euo pipefail

name=fim.sh

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/bench/lib.sh"
tree=/usr/share
runs=5
jobs=2                  # worker threads for every tool (AIDE --workers, xargs -P, driftwatch --threads)
driftwatch=$repo/build/driftwatch
synthetic=0             # >0: benchmark a generated tree of this many entries instead of --tree
large_entries=160000    # the memory goal: driftwatch under 100 MiB peak RSS at this many entries
large_rss_mib=100

aide_max=200000         # AIDE takes minutes and ~700 bytes per entry past this: skipped

usage() {
        sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit "${1:-0}"
}

while [ $# -gt 0 ]; do
        case $1 in
        --tree)       tree=${2:?--tree needs a directory}; shift 2 ;;
        --synthetic)  synthetic=${2:?--synthetic needs an entry count}; shift 2 ;;
        --runs)       runs=${2:?--runs needs a number}; shift 2 ;;
        --jobs)       jobs=${2:?--jobs needs a number}; shift 2 ;;
        --aide-max)   aide_max=${2:?--aide-max needs an entry count}; shift 2 ;;
        --driftwatch) driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h|--help)    usage 0 ;;
        *)            echo "fim.sh: unknown argument '$1'" >&2; usage 2 ;;
        esac
done

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs takes a positive number"
[[ $synthetic =~ ^[0-9]+$ ]] || die "--synthetic takes an entry count"
[[ $aide_max =~ ^[0-9]+$ ]] || die "--aide-max takes an entry count"

# --- Tools ------------------------------------------------------------------------

require_gnu_time
command -v aide >/dev/null || die "aide is missing: install the 'aide' package (scripts/deps.sh)"
aide_v=$(aide -v 2>&1) || true
aide_version=$(sed -n '1s/^AIDE //p' <<<"$aide_v")
[[ $aide_version == 0.1[89]* ]] ||
        note "fim.sh: warning: expected AIDE 0.18 or 0.19 (for --workers), found '${aide_version:-unknown}'"
[ -x "$driftwatch" ] || die "driftwatch binary '$driftwatch' not found: build it first or pass --driftwatch PATH"
driftwatch=$(realpath "$driftwatch")

# --- Scratch space, removed on any exit ---------------------------------------------

tmp=$(mktemp -d /tmp/dw-fim.XXXXXX)
case "$tmp" in /tmp/dw-fim.*) ;; *) die "unexpected scratch directory '$tmp'" ;; esac
trap 'rm -rf "${tmp:?}"' EXIT
trap 'exit 130' INT TERM

# --- The tree -----------------------------------------------------------------------

# A generated tree of exactly N entries: the root, directories of 250 files each, and
# files of 0-4 KiB whose content starts with their own path (so no two are alike).
make_synthetic() {
        local root=$1 n=$2 per=250 ndirs
        ndirs=$(( (n - 1 + per) / (per + 1) ))
        [ "$n" -gt "$ndirs" ] || die "--synthetic needs at least 2 entries"
        mkdir -p "$root"
        (cd "$root" && seq -f 'd%04g' 0 $((ndirs - 1)) | xargs mkdir)
        awk -v root="$root" -v files=$((n - 1 - ndirs)) -v ndirs="$ndirs" 'BEGIN {
                pad = "x"
                while (length(pad) < 4096)
                        pad = pad pad
                for (i = 0; i < files; i++) {
                        f = sprintf("%s/d%04d/f%06d", root, i % ndirs, i)
                        printf "%s\n%s", f, substr(pad, 1, (i * 2654435761) % 4096) > f
                        close(f)
                }
        }'
        sync    # no writeback of the new files while timing
}

if [ "$synthetic" -gt 0 ]; then
        note "generating a synthetic tree of $synthetic entries ..."
        make_synthetic "$tmp/synthetic" "$synthetic"
        tree=$tmp/synthetic
fi

real_tree=$(realpath -e "$tree" 2>/dev/null) || die "tree '$tree' does not exist"
tree=$real_tree
[ -d "$tree" ] || die "tree '$tree' is not a directory"
[ "$tree" != / ] || die "benchmarking the whole of / is not supported: pick a subtree"
[[ $tree != *[[:space:]]* ]] || die "tree '$tree' contains whitespace, which the AIDE config cannot select"

# Other work on the machine skews every number: say how busy it was before and after.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
entries=$(find "$tree" | wc -l)
note "tree $tree: $entries entries; $runs runs each; $jobs workers per tool"
run_aide=1
if [ "$aide_max" -gt 0 ] && [ "$entries" -gt "$aide_max" ]; then
        run_aide=0
        aide_skipped="AIDE skipped: $entries entries > --aide-max $aide_max (it re-hashes everything and holds its whole database in memory; pass --aide-max 0 to run it)"
        note "$aide_skipped"
fi

# --- Warm cache ---------------------------------------------------------------------

# One untimed pass that reads every file (page cache) and stats every entry (dentry and
# inode caches), so no tool pays for cold I/O that the others then get for free. The
# sync flushes the atime updates of that first read (relatime), which would otherwise be
# written back in the middle of the timed runs.
note "warming the page cache (untimed: cat of every file, then one driftwatch baseline) ..."
find "$tree" -type f -print0 | xargs -0 -r -n 256 -P "$jobs" cat >/dev/null
"$driftwatch" --quiet baseline create --from dir:/ --path "$tree" --threads "$jobs" \
        --out "$tmp/warm.db" >/dev/null || die "the warm-up driftwatch baseline failed"
rm -f "${tmp:?}/warm.db"
sync

# --- AIDE configuration -------------------------------------------------------------

# The attributes driftwatch records: content (sha256), mode (p), owner (u, g), size (s),
# mtime (m), type (ftype), symlink target (l) and every xattr; plus ACLs and SELinux
# labels where this AIDE has them (driftwatch gets both as xattrs). Only the tree is
# selected, the database is plain text, and AIDE hashes its own database with sha256
# only (its default is eleven hashsums, work driftwatch does not do).
aide_attrs=p+u+g+s+m+ftype+l+sha256+xattrs
grep -q '^acl: yes' <<<"$aide_v" && aide_attrs+=+acl
grep -q '^selinux: yes' <<<"$aide_v" && aide_attrs+=+selinux
tree_re=$(sed 's/[][\\.*^$+?(){}|]/\\&/g' <<<"$tree")
cat >"$tmp/aide.conf" <<EOF
database_in=file:$tmp/aide.db
database_out=file:$tmp/aide.db.new
gzip_dbout=no
database_attrs=sha256
report_url=stdout
DriftwatchAttrs = $aide_attrs
$tree_re(\$|/) DriftwatchAttrs
EOF

# --- Measuring ----------------------------------------------------------------------

dw_db=$tmp/driftwatch.db

# a. driftwatch baseline: walk, stat, read xattrs and hash every file, write SQLite.
#    Each run writes a fresh baseline (the previous one is removed first, untimed).
prepare_dw_baseline() { rm -f "${dw_db:?}"; }
note "timing driftwatch baseline create ..."
measure dw_baseline 0 "$tmp/dw_baseline.out" \
        "$driftwatch" baseline create --from dir:/ --path "$tree" --threads "$jobs" --out "$dw_db"
dw_entries=$(sed -n 's/.*: \([0-9]*\) entries from .*/\1/p' "$tmp/dw_baseline.out" "$tmp/dw_baseline.err" | head -n 1)
[ "${dw_entries:-0}" -gt 0 ] || die "driftwatch baseline recorded no entries"

# b. driftwatch check of the unchanged tree: the stat-cache fast path. Every file
#    should be trusted by inode/ctime/mtime/size and none hashed. Exit 1 (drift) would
#    mean the tree changed under the benchmark, so it aborts.
note "timing driftwatch check (stat-cache fast path) ..."
explain_dw_check() {
        [ "$1" -ne 1 ] || note "fim.sh: driftwatch check found drift: the tree changed during the benchmark"
}
measure dw_check 0 "$tmp/dw_check.out" \
        "$driftwatch" check --baseline "$dw_db" --root / --path "$tree" --threads "$jobs"
dw_check_hashed=$(sed -n 's/.* \([0-9]*\) files hashed.*/\1/p' "$tmp/dw_check.out" "$tmp/dw_check.err" | head -n 1)

# b'. driftwatch check --full: re-hashes everything like AIDE does (context, no goal).
note "timing driftwatch check --full (re-hash everything) ..."
measure dw_check_full 0 "$tmp/dw_check_full.out" \
        "$driftwatch" check --baseline "$dw_db" --root / --path "$tree" --threads "$jobs" --full

if [ "$run_aide" = 1 ]; then
        # c. AIDE --init: the same walk and attributes, hashing every file, plain-text database.
        #    AIDE's exit codes: 0 fine; 1-7 a bit set per kind of difference (added, removed,
        #    changed); 14 and up an error.
        prepare_aide_init() { rm -f "${tmp:?}/aide.db.new"; }
        note "timing aide --init ..."
        measure aide_init 0 "$tmp/aide_init.out" \
                aide --config="$tmp/aide.conf" --init --workers="$jobs"
        # Sanity: AIDE must have recorded the tree, not an empty selection.
        aide_entries=$(grep -c '^/' "$tmp/aide.db.new" || true)
        if [ "$aide_entries" -eq 0 ]; then
                die "aide --init recorded no entries: the selection line in $tmp/aide.conf matched nothing"
        fi
        [ "$aide_entries" -eq "$entries" ] ||
                note "fim.sh: warning: aide recorded $aide_entries entries, find counts $entries"
        mv "$tmp/aide.db.new" "$tmp/aide.db"

        # d. AIDE --check of the unchanged tree: AIDE has no stat cache and re-hashes every
        #    file. Any difference (exit 1-7) means the tree changed under the benchmark.
        note "timing aide --check ..."
        explain_aide_check() {
                local what=()

                if [ "$1" -ge 1 ] && [ "$1" -le 7 ]; then
                        (($1 & 1)) && what+=(added)
                        (($1 & 2)) && what+=(removed)
                        (($1 & 4)) && what+=(changed)
                        note "fim.sh: aide found ${what[*]} entries: the tree changed during the benchmark" \
                                "(is a package being installed?); the first of them:"
                        grep -E '^[a-z][-+ =<>.A-Za-z]*: /' "$tmp/aide_check.out" | head -n 10 >&2 || true
                else
                        note "fim.sh: aide exit status $1 is an AIDE error (14 and up), not a difference"
                fi
        }
        measure aide_check 0 "$tmp/aide_check.out" \
                aide --config="$tmp/aide.conf" --check --workers="$jobs"
        grep -q 'found NO differences' "$tmp/aide_check.out" ||
                die "aide --check exited 0 but did not report 'NO differences'"
fi

# e. The walk floor: one lstat per entry and nothing else (no xattrs, no hashing).
note "timing the find walk ..."
measure find_walk 0 /dev/null find "$tree" -printf '%p %s %m %U %G %T@\n'

# f. The machine's read+hash limit with coreutils' sha256sum on $jobs processes.
note "timing the sha256sum read+hash limit ..."
measure sha256sum 0 /dev/null \
        sh -c 'find "$1" -type f -print0 | xargs -0 -r -P "$2" -n 256 sha256sum' sh "$tree" "$jobs"

# --- Report -------------------------------------------------------------------------

echo
echo "driftwatch vs AIDE $aide_version on $tree"
echo "  entries in tree (find | wc -l): $entries; driftwatch baseline: $dw_entries; aide database: ${aide_entries:-skipped}"
echo "  page cache warmed before timing (untimed cat of every file + one driftwatch baseline)"
echo "  $runs runs each, median wall time, highest peak RSS; $jobs workers per tool; $(nproc) CPUs"
echo "  AIDE rule: $aide_attrs"
echo "  load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '  %-44s %10s %14s\n' "command" "median s" "peak RSS MiB"
row "driftwatch baseline create"              dw_baseline
row "driftwatch check (stat cache)"           dw_check
row "driftwatch check --full"                 dw_check_full
if [ "$run_aide" = 1 ]; then
        row "aide --init --workers=$jobs"             aide_init
        row "aide --check --workers=$jobs"            aide_check
fi
row "find -printf (walk floor)"               find_walk
row "xargs -P$jobs sha256sum (read+hash)"     sha256sum
echo
echo "  driftwatch check hashed ${dw_check_hashed:-?} files (expected 0 on an unchanged tree)"
echo

if [ "$run_aide" = 1 ]; then
        ratio "aide --init / driftwatch baseline"       aide_init   dw_baseline ">=" 5
        ratio "aide --check / driftwatch check"         aide_check  dw_check    ">=" 10
else
        echo "  $aide_skipped"
fi
ratio "driftwatch check / find walk"            dw_check    find_walk   "<=" 1.5
ratio "driftwatch baseline / sha256sum limit"   dw_baseline sha256sum   "<=" 1.5

# The memory goal only applies to a tree of at least $large_entries entries.
dw_peak=$(printf '%s\n%s\n' "${peak_mib[dw_baseline]}" "${peak_mib[dw_check]}" | sort -g | tail -n 1)
if [ "$entries" -ge "$large_entries" ]; then
        if awk -v p="$dw_peak" -v g="$large_rss_mib" 'BEGIN { exit !(p < g) }'; then
                verdict=met
        else
                verdict="NOT met"
                goals_missed=$((goals_missed + 1))
        fi
        printf '  %-42s %6s MiB goal < %s MiB at >= %s entries: %s\n' \
                "driftwatch peak RSS (baseline, check)" "$dw_peak" "$large_rss_mib" "$large_entries" "$verdict"
else
        printf '  %-42s %6s MiB (memory goal needs >= %s entries: use --synthetic %s)\n' \
                "driftwatch peak RSS (baseline, check)" "$dw_peak" "$large_entries" "$large_entries"
fi
# Memory that grows with the tree shows per entry; run at 100000 and 1000000
# entries and compare the peaks (goal: within 1.3x).
for key in dw_baseline dw_check dw_check_full; do
        printf '  %-42s %6s MiB  %5s bytes per entry\n' "peak RSS of $key" "${peak_mib[$key]}" \
                "$(awk -v m="${peak_mib[$key]}" -v n="$entries" 'BEGIN { printf "%d", m * 1048576 / n }')"
done
if [ "${dw_check_hashed:-0}" != 0 ]; then
        echo "  driftwatch check hashed ${dw_check_hashed} files on an unchanged tree: the stat cache missed"
fi
echo
echo "  goals missed: $goals_missed"
