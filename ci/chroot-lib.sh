# chroot-lib.sh - what ci/fresh-debian.sh and ci/image-test.sh share about
# the Debian root they build: their options, the temporary folder, mounting
# the kernel's file systems into the root, and taking it all down again.
# Sourced, not run.  The caller sets `gk_script` (its name, for its
# messages; a name no script uses for anything else),
# then calls chroot_setup, which sets:
#   work     the temporary folder, removed when empty
#   root     the root folder, inside `work`
#   logs     where the logs are (said at the end)
#   keep     1: leave the root in place (--keep)
#   mounted  what chroot_mount_all mounted

# chroot_setup HELP PARENT ARGS...: read --keep, --logs DIR and --help (the
# script's lines HELP, e.g. 2,19), check that we are root and have
# debootstrap, make the temporary folder under PARENT, and arm the traps
# that take everything down on exit, error or signal.
chroot_setup() {
	local help=$1 parent=$2
	shift 2
	keep=0
	logs=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--keep) keep=1 ;;
		--logs) logs=${2:?--logs needs a directory}; shift ;;
		-h|--help) sed -n "${help}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "$gk_script: unknown argument $1" >&2; exit 2 ;;
		esac
		shift
	done
	[ "$(id -u)" -eq 0 ] || { echo "$gk_script: must run as root (debootstrap, chroot, mount)" >&2; exit 2; }
	if ! command -v debootstrap >/dev/null; then
		echo "$gk_script: installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	fi
	work=$(mktemp -d "$parent/gk-$gk_script.XXXXXX")
	root="$work/root"
	[ -n "$logs" ] || logs="$work/logs"
	mkdir -p "$logs"
	logs=$(cd "$logs" && pwd)
	mounted=()
	trap chroot_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Processes whose root directory is inside the chroot: the servers the tests
# or the demo may have left running.  Only these are signalled.
chroot_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case "$r" in "$root"|"$root"/*) echo "${p#/proc/}" ;; esac
	done
}

# /proc, /sys, /dev, a private /dev/pts and /dev/shm, as a container has them.
chroot_mount_all() {
	local m
	for m in proc sys dev dev/pts dev/shm; do
		mkdir -p "$root/$m"
		case "$m" in
		proc) mount -t proc proc "$root/proc" ;;
		sys) mount -t sysfs sys "$root/sys" ;;
		dev) mount --bind /dev "$root/dev" ;;
		dev/pts) mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" ;;
		dev/shm) mount -t tmpfs -o mode=1777 shm "$root/dev/shm" ;;
		esac
		mounted+=("$root/$m")
	done
}

# The EXIT trap: stop what runs in the root, unmount in reverse order,
# remove the root unless kept, and exit with the script's status.
chroot_cleanup() {
	local rc=$? pids i
	set +e
	pids=$(chroot_pids)
	[ -n "$pids" ] && kill $pids 2>/dev/null && sleep 2
	pids=$(chroot_pids)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null && sleep 1
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
	done
	if [ "$keep" -eq 1 ]; then
		echo "$gk_script: kept $root"
	elif [ -d "$root" ]; then
		# Never remove through a mount that is still there.
		if grep -q " $root/" /proc/mounts; then
			echo "$gk_script: $root still has mounts, not removed" >&2
		else
			rm -rf "$root"
			rmdir "$work" 2>/dev/null # empty unless the logs are kept there
		fi
	fi
	echo "$gk_script: logs in $logs"
	exit "$rc"
}
