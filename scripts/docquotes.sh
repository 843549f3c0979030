#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the code the docs quote is the code as it is, so that a reader
# who copies a quote copies what runs.
#   docquotes.sh [-k KERNEL_SRC_DIR] [FILE.md...]
# The files default to README.md and docs/*.md.  Prints each stale quote
# as FILE:LINE with a diff (source first, doc second) and exits 1 if there
# is any; exits 0 when every quote matches.
#
# A quote is a fenced C block right after a marker line:
#
#   <!-- quote: module/anon.c mmapdemo_anon_shared_fault -->
#   ```c
#   static vm_fault_t mmapdemo_anon_shared_fault(struct vm_fault *vmf)
#   ...
#   }
#   ```
#
# The block must equal, byte for byte (tabs included), the definition of
# NAME in PATH: from the line that names it at column 0 (with a return
# type alone on the line before, if the code puts it there) to the first
# line after it that is "}" or "};" at column 0.  That is a function, or an
# initialised variable such as a vm_operations_struct.  "quote: PATH NAME
# +comment" also takes the comment block right above the definition.
# PATH is relative to the top of this repository (module/...), or, with
# -k, to KERNEL_SRC_DIR for a kernel path (drivers/char/mem.c).  Markers
# inside other fenced blocks are examples, and left alone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ksrc=""
if [ "${1:-}" = -k ]; then
	[ $# -ge 2 ] || die "usage: ${0##*/} [-k KERNEL_SRC_DIR] [FILE.md...]"
	ksrc=$2
	shift 2
	[ -f "$ksrc/mm/memory.c" ] || die "$ksrc is not a kernel source tree"
fi
if [ $# -eq 0 ]; then
	cd "$MMAPDEMO_TOP"
	set -- README.md docs/*.md
fi

project_dirs='module|userspace-tests|scripts|docs|\.ci'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0 quotes=0

report() {	# report DOC LINE PROBLEM
	echo "$1:$2: $3"
	stale=$((stale + 1))
}

# extract FILE NAME COMMENT: print NAME's definition in FILE (and, if
# COMMENT is 1, the comment block above it).  Exit 1 if there is no
# definition, 2 if a comment is wanted and there is none.
extract() {
	awk -v name="$2" -v comment="$3" '
	function header(s) {
		return s ~ ("^" name "[ \t]*[(=[]") ||
		       s ~ ("^[A-Za-z_][^(]*[^A-Za-z0-9_]" name "[ \t]*[(=[]")
	}
	{ line[NR] = $0 }
	# A candidate, until its "{" (a definition) or its ";" (a prototype).
	!end && !body && !start && header($0) { start = NR }
	!end && start && !body {
		if ($0 ~ /;[ \t]*$/)
			start = 0
		else if ($0 ~ /\{[ \t]*$/)
			body = 1
		if (body && NR > start && $0 == "}")
			end = NR
		next
	}
	body && !end && ($0 == "}" || $0 == "};") { end = NR }
	END {
		if (!end)
			exit 1
		first = start
		# A return type alone on the line above: "static inline int".
		if (line[first] ~ ("^" name) && first > 1 &&
		    line[first - 1] ~ /^[A-Za-z_][^(;{},]*$/)
			first--
		if (comment == 1) {
			if (first == 1)
				exit 2
			if (line[first - 1] ~ /^\/\*.*\*\/$/) {
				first--
			} else if (line[first - 1] ~ /^ \*\/$/) {
				for (first--; first > 0 && line[first] !~ /^\/\*/; first--)
					;
				if (first == 0)
					exit 2
			} else {
				exit 2
			}
		}
		for (i = first; i <= end; i++)
			print line[i]
	}' "$1"
}

# check_quote DOC LINE PATH NAME COMMENT: compare the block quoted at
# DOC:LINE (saved in $tmp/doc) with the source.
check_quote() {
	local doc=$1 line=$2 path=$3 name=$4 comment=$5 file rc=0

	quotes=$((quotes + 1))
	if [[ $path =~ ^($project_dirs)/ ]]; then
		file=$MMAPDEMO_TOP/$path
	elif [ -n "$ksrc" ]; then
		file=$ksrc/$path
	else
		report "$doc" "$line" "$path: a kernel path, and no -k KERNEL_SRC_DIR given"
		return
	fi
	if [ ! -f "$file" ]; then
		report "$doc" "$line" "no file $path"
		return
	fi
	extract "$file" "$name" "$comment" >"$tmp/src" || rc=$?
	case $rc in
	0) ;;
	2)
		report "$doc" "$line" "no comment block right above $name in $path"
		return
		;;
	*)
		report "$doc" "$line" "no definition of $name in $path"
		return
		;;
	esac
	if ! diff -u --label "$path: $name" --label "$doc:$line" \
		"$tmp/src" "$tmp/doc" >"$tmp/diff"; then
		report "$doc" "$line" "the quote of $path: $name differs from the source:"
		cat "$tmp/diff"
	fi
}

marker_start='^<!--[[:space:]]*quote:'
marker_re='^<!--[[:space:]]*quote:[[:space:]]*([^[:space:]]+)[[:space:]]+([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*(\+comment)?[[:space:]]*-->[[:space:]]*$'

for doc in "$@"; do
	mapfile -t lines <"$doc"
	n=0 want="" state=out
	for text in "${lines[@]}"; do
		n=$((n + 1))
		case $state in
		fence)
			[[ $text =~ ^[[:space:]]*\`\`\` ]] && state=out
			;;
		out)
			if [[ $text =~ ^[[:space:]]*\`\`\` ]]; then
				state=fence	# an unmarked block, or an example
			elif [[ $text =~ $marker_start ]]; then
				if [[ $text =~ $marker_re ]]; then
					want="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]:+1}"
					at=$n state=marker
				else
					report "$doc" "$n" "malformed marker: write <!-- quote: PATH NAME --> or <!-- quote: PATH NAME +comment -->"
				fi
			fi
			;;
		marker)
			if [ "$text" = '```c' ]; then
				: >"$tmp/doc"
				state=block
			else
				report "$doc" "$at" "the marker is not followed by a \`\`\`c block"
				state=out
			fi
			;;
		block)
			if [ "$text" = '```' ]; then
				read -r path name comment <<<"$want"
				check_quote "$doc" "$at" "$path" "$name" "${comment:-0}"
				state=out
			else
				printf '%s\n' "$text" >>"$tmp/doc"
			fi
			;;
		esac
	done
	case $state in
	marker) report "$doc" "$at" "the marker is not followed by a \`\`\`c block" ;;
	block) report "$doc" "$at" "the quoted block is never closed" ;;
	esac
done

if [ "$stale" -gt 0 ]; then
	echo "docquotes: $stale problem(s) in $*" >&2
	exit 1
fi
echo "docquotes: $quotes quotes in $*, all as in the source"
