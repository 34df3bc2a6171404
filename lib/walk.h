/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An iterative walk of a directory tree through file descriptors: any
 * depth, a bounded number of open descriptors, no symlink followed, every
 * path that cannot be read named to the caller. */
#pragma once

/* Called for every entry that is not a directory (type: a DT_* value,
 * resolved with fstatat when the file system gives DT_UNKNOWN). dfd is its
 * directory, name its name there, path the full path (the top path, then
 * "/" and the names below it). A negative return stops the walk and is
 * returned. */
typedef int (*vb_walk_file_cb)(int dfd, const char *name, const char *path, unsigned char type, void *userdata);

/* Called for every path that could not be read (a directory that cannot be
 * opened or listed, one moved away while walked); error is a negative
 * errno. The walk goes on with the rest. */
typedef void (*vb_walk_error_cb)(const char *path, int error, void *userdata);

/* Walk the directory open at fd (taken over and closed), whose path is
 * path. Returns 0, -ENOMEM, or what a callback returned. */
int walk_tree(int fd, const char *path, vb_walk_file_cb on_file, vb_walk_error_cb on_error, void *userdata);
