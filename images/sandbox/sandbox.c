/*
 * The pod sandbox's only process: holds the pod's namespaces open and does nothing else.
 * SIGTERM and SIGINT end it with status 0 (a PID 1 gets no default signal actions, so they
 * must be handled explicitly); every other signal stays blocked. Containers sharing the PID
 * namespace may leave orphans behind, so SIGCHLD reaps them all.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_exit_signal(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(void) {
  sigset_t blocked;
  sigfillset(&blocked);
  sigdelset(&blocked, SIGTERM);
  sigdelset(&blocked, SIGINT);
  sigdelset(&blocked, SIGCHLD);
  if (sigprocmask(SIG_SETMASK, &blocked, NULL) != 0) return 1;

  struct sigaction sa = {0};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_exit_signal;
  if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) return 1;
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &sa, NULL) != 0) return 1;

  for (;;) pause();
  return 0;
}
