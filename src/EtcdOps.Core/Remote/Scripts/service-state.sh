#!/bin/sh
# Prints the unit's ActiveState, UnitFileState, InvocationID and MainPID as systemctl show does
# (KEY=value), and Version=<what ETCD_BINARY --version says>.
# Arguments: UNIT ETCD_BINARY
systemctl show "$1" -p ActiveState -p UnitFileState -p InvocationID -p MainPID 2>/dev/null
echo "Version=$("$2" --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
