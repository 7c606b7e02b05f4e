# Sum of 1..100 in a loop: r0 = 5050 (0x13ba).
    mov %r0, 0
    mov %r1, 100
loop:
    add %r0, %r1
    sub %r1, 1
    jne %r1, 0, loop
    exit
