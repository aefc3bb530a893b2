/* temporary: the reproducer is the shell script beside it */
