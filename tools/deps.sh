#!/bin/sh
# Installs the Debian packages Strongroom needs to build, run and test.
# Idempotent and quick when everything is there: only missing packages
# trigger apt-get.
set -eu
PACKAGES="build-essential pkg-config libfcgi-dev clearsilver-dev libmariadb-dev libsodium-dev
libjansson-dev libpcre2-dev libcurl4-openssl-dev libmodbus-dev libqrencode-dev libcmocka-dev
libfprint-2-dev libglib2.0-dev nginx mariadb-server mariadb-client spawn-fcgi
python3 python3-pytest python3-requests python3-selenium chromium chromium-driver
python3-aiosmtpd python3-pymodbus wrk sysbench clang libclang-rt-14-dev cppcheck clang-tidy
procps psmisc iproute2 curl"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Keep the package scripts from starting system services: the project runs
# its own private MariaDB and nginx.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null && $SUDO chmod +x $policy && made_policy=1
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
[ -n "$made_policy" ] && $SUDO rm -f $policy
exit 0
