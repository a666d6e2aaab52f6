#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306: uses the running one, starts an
# installed one, or installs mariadb-server from Debian.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ping_db() { mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

command -v mysqladmin >/dev/null 2>&1 || apt_install mariadb-client
if ping_db; then exit 0; fi
if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
  apt_install mariadb-server
fi
say "starting MariaDB"
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
if [[ ! -d /var/lib/mysql/mysql ]]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
fi
start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1
for _ in $(seq 1 60); do
  ping_db && break
  sleep 0.5
done
ping_db || { say "MariaDB did not start"; exit 1; }
# A fresh Debian install authenticates root by unix socket only; Switchboard connects over TCP.
mysql -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket" 2>/dev/null || true
ping_db
