/* The pause container: holds the pod sandbox's namespaces, reaps orphans, exits on SIGINT/SIGTERM (what upstream's build/pause/linux/pause.c does, in fewer lines). */
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
static void reap(int s){(void)s; while(waitpid(-1,0,WNOHANG)>0);}
static void quit(int s){(void)s; _exit(0);}
int main(void){signal(SIGCHLD,reap);signal(SIGINT,quit);signal(SIGTERM,quit);for(;;)pause();}
