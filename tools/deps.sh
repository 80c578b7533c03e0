#!/bin/sh
# Installs the Debian packages Strongroom needs to build, run and test.
# Idempotent: one dpkg-query call decides, and apt-get runs only for what
# is missing, so `make run` and `make test` pay well under a second when
# the machine is ready.
set -eu

PACKAGES="build-essential pkg-config libfcgi-dev clearsilver-dev libmariadb-dev libsodium-dev
libjansson-dev libpcre2-dev libcurl4-openssl-dev libmodbus-dev libqrencode-dev libcmocka-dev
libfprint-2-dev libglib2.0-dev nginx mariadb-server mariadb-client spawn-fcgi
python3-pytest python3-requests python3-selenium chromium chromium-driver
python3-aiosmtpd python3-pymodbus python3-nacl socat wrk sysbench clang libclang-rt-14-dev cppcheck clang-tidy
procps psmisc iproute2 curl openssl"

# dpkg-query prints one line per package it knows; unknown packages go to
# stderr and are simply absent from the output, so they count as missing.
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $PACKAGES 2>/dev/null \
            | awk '$2 == "installed" { print $1 }' || true)
missing=""
for p in $PACKAGES; do
    case "
$installed
" in
        *"
$p
"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi

# Keep the package scripts from starting the system's nginx and MariaDB:
# the project runs its own private instances and must not fight them for
# port 80 or take a system service into use.  Only a policy file we made
# ourselves is removed again.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
fi

$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
