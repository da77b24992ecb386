/*
 * wactor.h: the public header for programs that embed wactor.
 *
 * For now it only carries the version. The embedding API (a runtime handle,
 * spawning components, sending messages from the host) arrives with the actor
 * runtime; until then the command-line tool is the only supported interface.
 * Public symbols of this header use the wactor_ / WACTOR_ prefix.
 */
#ifndef WACTOR_H
#define WACTOR_H

#define WACTOR_VERSION_MAJOR 0
#define WACTOR_VERSION_MINOR 1
#define WACTOR_VERSION_PATCH 0
#define WACTOR_VERSION "0.1.0"

#endif
