#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the code references in the docs, so that they never go stale.
#   docrefs.sh KERNEL_SRC_DIR [FILE.md...]
# KERNEL_SRC_DIR is an unpacked kernel source tree (lib.sh's kernel_source); the files default to
# README.md and docs/*.md.  Prints each stale reference as FILE:LINE and
# exits 1 if there is any; exits 0 when all resolve.
#
# What is checked, in backticked code spans (`...`) outside fenced code
# blocks (a span may run over a line break; the line reported is where it
# starts):
#  - `PATH: NAME()`        the function NAME is defined in PATH: a line at
#                          column 0 that names it before its "(" and does
#                          not end in ";", or a "#define NAME", or a
#                          definition by macro such as TRACE_EVENT(NAME, ...)
#  - `PATH: struct NAME`   "struct NAME {" is in PATH
#  - `PATH: NAME`          NAME is a macro ("#define NAME"), or is declared
#                          on a line that starts at column 0 and names it
#                          before any "(" (a variable, a type, an enum)
#  - `PATH: A(), struct B, C`   several of the above, comma-separated
#  - `PATH`                a plain path: the file or directory exists
# PATH is relative and holds at least one "/".  It is relative to the top
# of this repository when it starts with module/, userspace-tests/,
# scripts/, docs/ or .ci/, and to KERNEL_SRC_DIR when it starts with a
# top-level directory of the kernel (mm/memory.c, include/linux/mm.h,
# drivers/char/mem.c).  A plain kernel path is checked only when it names
# a file with an extension, so that a path a kernel tree may hold later
# (tools/testing/selftests/X/) passes; plain paths under other directories
# (build/, ../) are left alone.  A span that starts with "PATH:" but does
# not follow the syntax, such as a line number (mm/memory.c:5301, stale at
# the next kernel), is reported too.  Anything else in backticks is left
# alone.
#
# Links: the target of every inline Markdown link or image, [text](TARGET),
# that is not a URL must exist, relative to the document's directory; an
# anchor (#section), in the same document or in another .md file, must name
# one of its headings, slugged as GitHub does.  Reference-style link
# definitions ([label]: TARGET) are not checked.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || {
	echo "usage: ${0##*/} KERNEL_SRC_DIR [FILE.md...]" >&2
	exit 2
}
ksrc=$1
shift
[ -f "$ksrc/mm/memory.c" ] || die "$ksrc is not a kernel source tree"
if [ $# -eq 0 ]; then
	cd "$MMAPDEMO_TOP"
	set -- README.md docs/*.md
fi

project_dirs='module|userspace-tests|scripts|docs|\.ci'
kernel_dirs='arch|block|certs|crypto|Documentation|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|rust|samples|security|sound|tools|usr|virt'
path_re='[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)+'
ident_re='[A-Za-z_][A-Za-z0-9_]*'

stale=0 refs=0

report() {	# report DOC LINE TEXT PROBLEM
	echo "$1:$2: \`$3\`: $4"
	stale=$((stale + 1))
}

# Where PATH lives: the repository or the kernel tree ("" if neither).
resolve() {
	if [[ $1 =~ ^($project_dirs)/ ]]; then
		echo "$MMAPDEMO_TOP/$1"
	elif [[ $1 =~ ^($kernel_dirs)/ ]]; then
		echo "$ksrc/$1"
	fi
}

# defines FILE KIND NAME: does FILE define NAME (KIND func, struct, ident)?
defines() {
	local file=$1 kind=$2 name=$3 hits
	grep -Eq "^[[:space:]]*#[[:space:]]*define[[:space:]]+${name}([^A-Za-z0-9_]|$)" \
		"$file" && return 0
	case $kind in
	func)
		# Not a prototype: a line that ends in ";" does not count.
		hits=$(grep -E "^([A-Za-z_][^;]*[^A-Za-z0-9_])?${name}[[:space:]]*\(|^[A-Z][A-Z0-9_]*\(${name}[,)]" \
			"$file" || true)
		[ -n "$hits" ] && grep -Evq ';[[:space:]]*$' <<<"$hits"
		;;
	struct)
		grep -Eq "^[[:space:]]*(typedef[[:space:]]+)?struct[[:space:]]+${name}[[:space:]]*(\{|$)" \
			"$file"
		;;
	ident)
		grep -Eq "^[A-Za-z_][^(]*[^A-Za-z0-9_(]${name}([^A-Za-z0-9_(]|$)" "$file"
		;;
	esac
}

# check_ref DOC LINE TEXT PATH NAMES: a `PATH: NAMES` reference.
check_ref() {
	local doc=$1 line=$2 text=$3 path=$4 names=$5 file item kind name
	local -a items
	file=$(resolve "$path")
	if [ -z "$file" ]; then
		report "$doc" "$line" "$text" "$path is neither a project path nor a kernel path"
		return
	fi
	if [ ! -f "$file" ]; then
		report "$doc" "$line" "$text" "no file $path"
		return
	fi
	IFS=, read -ra items <<<"$names"
	[ ${#items[@]} -gt 0 ] || items=("")
	for item in "${items[@]}"; do
		item=${item#"${item%%[![:space:]]*}"}
		item=${item%"${item##*[![:space:]]}"}
		if [[ $item =~ ^($ident_re)\(\)$ ]]; then
			kind=func name=${BASH_REMATCH[1]}
		elif [[ $item =~ ^struct[[:space:]]+($ident_re)$ ]]; then
			kind=struct name=${BASH_REMATCH[1]}
		elif [[ $item =~ ^($ident_re)$ ]]; then
			kind=ident name=${BASH_REMATCH[1]}
		else
			report "$doc" "$line" "$text" \
				"malformed: write PATH: NAME(), PATH: struct NAME or PATH: NAME"
			continue
		fi
		refs=$((refs + 1))
		defines "$file" "$kind" "$name" ||
			report "$doc" "$line" "$text" "$item is not defined in $path"
	done
}

# Heading anchors of a Markdown file, as GitHub makes them.
anchors() {
	awk '
	/^[ \t]*(```|~~~)/ { fence = !fence; next }
	fence || !/^#+[ \t]/ { next }
	{
		h = $0
		sub(/^#+[ \t]+/, "", h)
		sub(/[ \t]+#*[ \t]*$/, "", h)
		h = tolower(h)
		gsub(/[^a-z0-9 _-]/, "", h)
		gsub(/ /, "-", h)
		n = seen[h]++
		print (n ? h "-" n : h)
	}' "$1"
}

# check_link DOC LINE TARGET: a Markdown link.
check_link() {
	local doc=$1 line=$2 target=$3 path anchor file headings
	case $target in
	*://* | mailto:*) return ;;
	esac
	path=${target%%#*}
	anchor=""
	[[ $target == *#* ]] && anchor=${target#*#}
	if [ -n "$path" ]; then
		file=$(dirname "$doc")/$path
	else
		file=$doc
	fi
	refs=$((refs + 1))
	if [ ! -e "$file" ]; then
		report "$doc" "$line" "$target" "link to a missing file"
	elif [ -n "$anchor" ] && [[ $file == *.md ]]; then
		headings=$(anchors "$file")
		grep -qxF -- "$anchor" <<<"$headings" ||
			report "$doc" "$line" "$target" "no heading #$anchor in $file"
	fi
}

# Every code span and link target of the documents, one per line:
# KIND<TAB>DOC<TAB>LINE<TAB>TEXT.
extract() {
	awk '
	function links(s, n,    t) {
		while (match(s, /\]\([^) \t]+\)/)) {
			t = substr(s, RSTART + 2, RLENGTH - 3)
			printf "link\t%s\t%d\t%s\n", FILENAME, n, t
			s = substr(s, RSTART + RLENGTH)
		}
	}
	function emit(    t) {
		t = buf
		sub(/^[ \t]+/, "", t)
		sub(/[ \t]+$/, "", t)
		printf "code\t%s\t%d\t%s\n", FILENAME, start, t
	}
	FNR == 1 { fence = 0; open = 0 }
	/^[ \t]*(```|~~~)/ { fence = !fence; open = 0; next }
	fence { next }
	/^[ \t]*$/ { open = 0; next }
	{
		s = $0
		while (1) {
			i = index(s, "`")
			if (!open) {
				links(i ? substr(s, 1, i - 1) : s, FNR)
				if (!i)
					break
				s = substr(s, i + 1)
				open = 1; buf = ""; start = FNR
			} else if (!i) {
				buf = buf s " "
				break
			} else {
				buf = buf substr(s, 1, i - 1)
				emit()
				open = 0
				s = substr(s, i + 1)
			}
		}
	}' "$@"
}

while IFS=$'\t' read -r kind doc line text; do
	if [ "$kind" = link ]; then
		check_link "$doc" "$line" "$text"
	elif [[ $text =~ ^($path_re):[[:space:]]*(.*)$ ]]; then
		check_ref "$doc" "$line" "$text" "${BASH_REMATCH[1]}" \
			"${BASH_REMATCH[3]}"
	elif [[ $text =~ ^($path_re|[A-Za-z0-9_.+-]+)/$ || $text =~ ^($path_re)$ ]]; then
		path=${text%/}
		if [[ $path =~ ^($project_dirs)(/|$) ]]; then
			refs=$((refs + 1))
			[ -e "$MMAPDEMO_TOP/$path" ] ||
				report "$doc" "$line" "$text" "no such file or directory"
		elif [[ $path =~ ^($kernel_dirs)/.*\.[A-Za-z]+$ ]]; then
			refs=$((refs + 1))
			[ -e "$ksrc/$path" ] ||
				report "$doc" "$line" "$text" "not in the kernel tree"
		fi
	fi
done < <(extract "$@")

if [ "$stale" -gt 0 ]; then
	echo "docrefs: $stale stale of $refs references in $*" >&2
	exit 1
fi
echo "docrefs: $refs references in $*, all found"
