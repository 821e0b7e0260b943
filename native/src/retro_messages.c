/*
 * What a core says: its log interface lines and, while it loads, what it printf()s. Both end up in
 * the instance's message buffer, which JS drains (LibretroEmulator.loadNotes / takeMessages).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retro_core.h"

/* ---- messages --------------------------------------------------------------------------------- */

/* Appends one line if it fits under `cap`; false (and nothing written) when it does not. */
static bool append(retro_core *c, const char *prefix, const char *text, size_t cap) {
  size_t plen = strlen(prefix), tlen = strlen(text);
  while (tlen > 0 && (text[tlen - 1] == '\n' || text[tlen - 1] == '\r')) tlen--;
  if (tlen == 0) return true;
  if (c->messages_len + plen + tlen + 1 >= cap) return false;
  memcpy(c->messages + c->messages_len, prefix, plen);
  memcpy(c->messages + c->messages_len + plen, text, tlen);
  c->messages_len += plen + tlen;
  c->messages[c->messages_len++] = '\n';
  return true;
}

void core_message(retro_core *c, const char *prefix, const char *text) {
  if (!append(c, prefix, text, CORE_MESSAGES_CAP - CORE_NOTE_RESERVE)) c->messages_dropped++;
}

void core_note_dropped(retro_core *c) {
  if (c->messages_dropped == 0) return;
  char note[CORE_NOTE_RESERVE];
  snprintf(note, sizeof note, "(%u more messages dropped)", c->messages_dropped);
  if (append(c, "", note, CORE_MESSAGES_CAP)) c->messages_dropped = 0;
}

/*
 * Some cores (gambatte among them) printf() while loading a game. That would land in gbstream's
 * stdout, which carries program output. Around the few calls that do it, fds 1 and 2 point at a
 * temp file whose text becomes core messages. Node writes nothing to them on this thread then;
 * another thread writing in that window (a few ms) would see its text end up in the messages.
 *
 * fds are process-wide, so this is the one deliberately global thing here: a lock held from
 * capture_begin to capture_end. Without it, two threads loading cores at once would each save the
 * other's redirection and one would "restore" stdout to a deleted temp file for good. Loads in
 * different threads therefore take turns (a few ms each); running cores never touch the lock.
 */
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;

void capture_begin(retro_core *c, capture *cap) {
  pthread_mutex_lock(&capture_lock);
  cap->saved_out = cap->saved_err = cap->file = -1;
  char path[1100];
  snprintf(path, sizeof path, "%s/gbstream-core-out-XXXXXX", c->tmp_dir);
  int fd = mkstemp(path);
  if (fd < 0) return; /* no capture; the core's output goes where it would have gone */
  unlink(path);
  fflush(stdout);
  fflush(stderr);
  cap->saved_out = dup(1);
  cap->saved_err = dup(2);
  if (cap->saved_out < 0 || cap->saved_err < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
    if (cap->saved_out >= 0) dup2(cap->saved_out, 1), close(cap->saved_out);
    if (cap->saved_err >= 0) dup2(cap->saved_err, 2), close(cap->saved_err);
    close(fd);
    cap->saved_out = cap->saved_err = -1;
    return;
  }
  cap->file = fd;
}

void capture_end(retro_core *c, capture *cap) {
  if (cap->file < 0) {
    pthread_mutex_unlock(&capture_lock);
    return;
  }
  fflush(stdout);
  fflush(stderr);
  dup2(cap->saved_out, 1);
  dup2(cap->saved_err, 2);
  close(cap->saved_out);
  close(cap->saved_err);
  pthread_mutex_unlock(&capture_lock);
  char buf[4096];
  ssize_t n = pread(cap->file, buf, sizeof buf - 1, 0);
  close(cap->file);
  if (n <= 0) return;
  buf[n] = '\0';
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) core_message(c, "", line);
}

