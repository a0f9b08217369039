// Umbrella header for libsystemd (libsystemd-dev): journal and sd_notify.
// sd_journal_send/sd_notifyf are variadic and unavailable in Swift: use sd_journal_sendv and sd_notify.
#pragma once
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
