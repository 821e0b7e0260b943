; ============================================================================
; gbstream demo - a tiny Game Boy Color program embedded in gbstream.
;
; A smiley walks over a scrolling field with the d-pad. Walking off an edge
; enters the next "room" (new ground pattern and colours). Touching the
; spinning coin scores a point and moves the coin. A HUD at the bottom shows
; the score and room number. Everything the game knows lives at $D000+ so
; gbstream can show it as live state (see roms.example/gbstream-demo.json).
;
; Built by src/demo/rom.ts (which also writes the cartridge header at $0100)
; with the small assembler in src/demo/asm.ts.
; ============================================================================

; ---- Hardware registers ----------------------------------------------------
rP1     EQU $FF00       ; joypad
rIF     EQU $FF0F       ; interrupt flags
rLCDC   EQU $FF40       ; LCD control
rSCY    EQU $FF42       ; background scroll Y
rSCX    EQU $FF43       ; background scroll X
rLY     EQU $FF44       ; current scan line
rWY     EQU $FF4A       ; window Y
rWX     EQU $FF4B       ; window X + 7
rVBK    EQU $FF4F       ; CGB: VRAM bank (0 = tiles/map, 1 = map attributes)
rBCPS   EQU $FF68       ; CGB: background palette index (bit 7 = auto-increment)
rBCPD   EQU $FF69       ; CGB: background palette data
rOCPS   EQU $FF6A       ; CGB: sprite palette index
rOCPD   EQU $FF6B       ; CGB: sprite palette data
rSVBK   EQU $FF70       ; CGB: WRAM bank at $D000
rIE     EQU $FFFF       ; interrupt enable

TILES   EQU $8000       ; tile data (LCDC bit 4 = 1)
BGMAP   EQU $9800       ; background map, 32x32 tiles
WINMAP  EQU $9C00       ; window map (the HUD)
OAM     EQU $FE00       ; sprite attribute table

; ---- Game state (WRAM bank 1) - documented in roms.example/gbstream-demo.json
wX      EQU $D000       ; u8  player x in pixels, 0..MAX_X
wY      EQU $D001       ; u8  player y in pixels, 0..MAX_Y
wRoom   EQU $D002       ; u8  room; +1/-1 walking off right/left, +16/-16 down/up
wSteps  EQU $D003       ; u16 little-endian: frames in which the player walked
wScore  EQU $D005       ; 2 bytes BCD, big-endian (4 digits): coins collected
wFrame  EQU $D007       ; u16 little-endian: frame counter
wCoinX  EQU $D009       ; u8  coin x in pixels
wCoinY  EQU $D00A       ; u8  coin y in pixels
wPad    EQU $D00B       ; u8  d-pad this frame, 1 = held: bit0 right, 1 left, 2 up, 3 down
wLook   EQU $D00C       ; u8  room look (0-3) currently loaded in VRAM

; ---- Constants -------------------------------------------------------------
MAX_X   EQU 152         ; 160 px screen - 8 px sprite
MAX_Y   EQU 120         ; the HUD covers lines 128-143
HUD_Y   EQU 128
LCDC_ON EQU $F3         ; LCD on, window map $9C00, window on, tiles $8000, sprites on, BG on

TILE_GROUND EQU 1       ; changes per room (see load_look)
TILE_DECOR  EQU 2       ; little flower
TILE_PLAYER EQU 3
TILE_COIN   EQU 4       ; 4 and 5: two animation frames

; ============================================================================
SECTION "vblank interrupt", ROM0[$40]
        reti                    ; the interrupt only has to wake the main loop from HALT

; ============================================================================
SECTION "main", ROM0[$150]
start:
        di
        ld sp, $FFFE
        ; The LCD may only be switched off during VBlank.
.wait_vblank:
        ldh a, [rLY]
        cp 144
        jr c, .wait_vblank
        xor a
        ldh [rLCDC], a
        ld a, 1
        ldh [rSVBK], a          ; WRAM bank 1 at $D000 (the game state)

        ; Clear the parts of VRAM we use, then load graphics.
        ldh [rVBK], a           ; bank 1: map attributes (palette 0, no flips)
        xor a
        ld hl, BGMAP
        ld b, 8                 ; $9800-$9FFF: both maps
        call fill
        xor a
        ldh [rVBK], a           ; bank 0: tiles 0-127 ($8000-$87FF) and both maps
        ld hl, TILES
        ld b, 8
        call fill
        ld hl, BGMAP
        ld b, 8
        call fill               ; (A is still 0: fill does not change it)
        ld hl, Tiles
        ld de, TILES + TILE_DECOR * 16
        ld b, TilesEnd - Tiles
        call copy
        call load_font
        call fill_bg_map
        call fill_hud

        ; Sprite palettes 0 (player) and 1 (coin), HUD palette (BG palette 2).
        ld a, $80               ; palette 0 colour 0, auto-increment
        ldh [rOCPS], a
        ld hl, ObjPalettes
        ld b, 16
.obj_pal:
        ld a, [hl+]
        ldh [rOCPD], a
        dec b
        jr nz, .obj_pal
        ld a, $80 + 2 * 8       ; BG palette 2 colour 0
        ldh [rBCPS], a
        ld hl, HudPalette
        ld b, 8
.hud_pal:
        ld a, [hl+]
        ldh [rBCPD], a
        dec b
        jr nz, .hud_pal

        ; Hide all 40 sprites (Y = 0 is off screen).
        ld hl, OAM
        ld b, 160
        xor a
.clear_oam:
        ld [hl+], a
        dec b
        jr nz, .clear_oam

        ; Initial game state.
        ld hl, InitialState
        ld de, wX
        ld b, InitialStateEnd - InitialState
        call copy
        call room_look
        ld [wLook], a
        call load_look

        ; Display registers, then LCD on with the VBlank interrupt enabled.
        xor a
        ldh [rSCX], a
        ldh [rSCY], a
        ld a, HUD_Y
        ldh [rWY], a
        ld a, 7
        ldh [rWX], a
        ld a, LCDC_ON
        ldh [rLCDC], a
        xor a
        ldh [rIF], a
        ld a, 1                 ; VBlank only
        ldh [rIE], a
        ei

; ---- Main loop: one iteration per frame ------------------------------------
main_loop:
        halt                    ; sleep until VBlank
        nop
        call draw               ; VBlank: video memory is free, update it first
        call read_pad
        call move_player
        call check_coin
        ld hl, wFrame           ; frame counter, u16 little-endian
        inc [hl]
        jr nz, main_loop
        inc hl
        inc [hl]
        jr main_loop

; ---- draw: runs at the start of VBlank ---------------------------------------
draw:
        ; Sprite 0 = player: Y+16, X+8, tile, attributes (CGB palette 0).
        ld hl, OAM
        ld a, [wY]
        add 16
        ld [hl+], a
        ld a, [wX]
        add 8
        ld [hl+], a
        ld a, TILE_PLAYER
        ld [hl+], a
        xor a
        ld [hl+], a
        ; Sprite 1 = coin (palette 1); its tile flips every 8 frames (spinning).
        ld a, [wCoinY]
        add 16
        ld [hl+], a
        ld a, [wCoinX]
        add 8
        ld [hl+], a
        ld a, [wFrame]
        and 8
        rrca
        rrca
        rrca                    ; 0 or 1
        add TILE_COIN
        ld [hl+], a
        ld a, 1
        ld [hl], a
        ; The ground drifts every frame: SCX = frame, SCY = frame / 2.
        ld a, [wFrame]
        ldh [rSCX], a
        srl a
        ldh [rSCY], a
        ; HUD: "SCORE 0000 ROOM 00" in window row 1.
        ld hl, WINMAP + 32 + 7
        ld a, [wScore]
        call put_hex
        ld a, [wScore + 1]
        call put_hex
        ld hl, WINMAP + 32 + 17
        ld a, [wRoom]
        call put_hex
        ; New room? Load its ground tile and colours.
        call room_look
        ld hl, wLook
        cp [hl]
        ret z
        ld [hl], a
        jp load_look

; ---- put_hex: write A as two hex digit tiles at [HL], HL += 2 ----------------
; The font's tile numbers are ASCII codes, so BCD bytes print as decimal.
put_hex:
        push af
        swap a
        call put_digit
        pop af
put_digit:
        and $0F
        cp 10
        jr c, .decimal
        add 'A' - '0' - 10
.decimal:
        add '0'
        ld [hl+], a
        ret

; ---- read_pad: wPad = d-pad state (1 = held) ---------------------------------
read_pad:
        ld a, $20               ; P14 low: select the d-pad
        ldh [rP1], a
        ldh a, [rP1]
        ldh a, [rP1]            ; read twice to let the lines settle
        cpl                     ; the keys are active-low
        and $0F
        ld [wPad], a
        ld a, $30               ; deselect
        ldh [rP1], a
        ret

; ---- move_player: 1 px per frame per held direction ---------------------------
move_player:
        ld a, [wPad]
        ld c, a
        and a
        ret z                   ; no direction held: no step
        ld hl, wX
        ld de, MAX_X << 8 | 1   ; D = largest x, E = room change when wrapping
        bit 0, c
        call nz, step_forward   ; right
        bit 1, c
        call nz, step_back      ; left
        ld hl, wY
        ld de, MAX_Y << 8 | 16  ; D = largest y, E = room change when wrapping
        bit 2, c
        call nz, step_back      ; up
        bit 3, c
        call nz, step_forward   ; down
        ld hl, wSteps           ; steps += 1 (u16 little-endian)
        inc [hl]
        ret nz
        inc hl
        inc [hl]
        ret

; step_forward / step_back: HL = wX or wY, D = largest value, E = room change.
; Leaving the screen wraps to the opposite edge and enters the next room.
step_forward:
        ld a, [hl]
        cp d
        jr z, .wrap
        inc [hl]
        ret
.wrap:
        ld [hl], 0
        ld a, [wRoom]
        add e
        ld [wRoom], a
        ret

step_back:
        ld a, [hl]
        and a
        jr z, .wrap
        dec [hl]
        ret
.wrap:
        ld [hl], d
        ld a, [wRoom]
        sub e
        ld [wRoom], a
        ret

; ---- check_coin: player within 8 px of the coin? ------------------------------
check_coin:
        ld a, [wCoinX]
        ld b, a
        ld a, [wX]
        sub b
        jr nc, .dx_positive
        cpl
        inc a                   ; A = |x - coin x|
.dx_positive:
        cp 8
        ret nc
        ld a, [wCoinY]
        ld b, a
        ld a, [wY]
        sub b
        jr nc, .dy_positive
        cpl
        inc a
.dy_positive:
        cp 8
        ret nc
        ; Score += 1 in BCD (wScore = thousands/hundreds, wScore+1 = tens/ones).
        ld a, [wScore + 1]
        add 1
        daa
        ld [wScore + 1], a
        ld a, [wScore]
        adc 0
        daa
        ld [wScore], a
        ; Move the coin somewhere else, mixed with the frame counter.
        ld a, [wFrame]
        ld b, a
        ld a, [wCoinX]
        add 97
        add b
        and $7F
        add 12
        ld [wCoinX], a          ; 12..139
        ld a, [wCoinY]
        add 45
        add b
        and $3F
        add 24
        ld [wCoinY], a          ; 24..87
        ret

; ---- room_look: A = look of the current room (0-3) ----------------------------
; (room + room / 16) & 3, so every step to a neighbouring room changes the look.
room_look:
        ld a, [wRoom]
        swap a
        and $0F
        ld b, a
        ld a, [wRoom]
        add b
        and 3
        ret

; ---- load_look: A = look; load its ground tile and BG palettes 0 and 1 --------
load_look:
        swap a                  ; A = look * 16: both tables have 16 bytes per look
        ld e, a
        ld d, 0
        push de
        ld hl, GroundTiles
        add hl, de
        ld de, TILES + TILE_GROUND * 16
        ld b, 16
        call copy
        pop de
        ld hl, RoomPalettes
        add hl, de
        ld a, $80               ; BG palette 0 colour 0, auto-increment
        ldh [rBCPS], a
        ld b, 16
.palette:
        ld a, [hl+]
        ldh [rBCPD], a
        dec b
        jr nz, .palette
        ret

; ---- copy: B bytes from [HL] to [DE] (B > 0) ----------------------------------
copy:
        ld a, [hl+]
        ld [de], a
        inc de
        dec b
        jr nz, copy
        ret

; ---- fill: B * 256 bytes of A from HL (LCD off) ------------------------------
fill:
        ld c, 0                 ; 256 bytes per round
.loop:
        ld [hl+], a
        dec c
        jr nz, .loop
        dec b
        jr nz, .loop
        ret

; ---- load_font: each glyph goes to the tile numbered by its character code ----
load_font:
        ld hl, Font
.next:
        ld a, [hl+]             ; character, 0 ends the table
        and a
        ret z
        push hl
        ld l, a                 ; DE = TILES + char * 16
        ld h, 0
        add hl, hl
        add hl, hl
        add hl, hl
        add hl, hl
        ld de, TILES
        add hl, de
        ld d, h
        ld e, l
        pop hl
        ld b, 8
.row:
        ld a, [hl+]             ; 1 bit per pixel; write it to both bit planes (colour 3)
        ld [de], a
        inc de
        ld [de], a
        inc de
        dec b
        jr nz, .row
        jr .next

; ---- fill_bg_map: ground everywhere, a flower every 4th tile, checkered colours
fill_bg_map:
        ld hl, BGMAP
        ld b, 0                 ; row
.row:
        ld c, 0                 ; column
.column:
        ld a, b
        and 3
        cp 1
        jr nz, .ground
        ld a, c
        and 3
        cp 1
        jr nz, .ground
        ld a, TILE_DECOR
        jr .put
.ground:
        ld a, TILE_GROUND
.put:
        ld [hl], a              ; VRAM bank 0: tile number
        ld a, 1
        ldh [rVBK], a
        ld a, b
        xor c
        and 1                   ; VRAM bank 1: attributes = palette 0 or 1 (checkerboard)
        ld [hl+], a
        xor a
        ldh [rVBK], a
        inc c
        ld a, c
        cp 32
        jr nz, .column
        inc b
        ld a, b
        cp 32
        jr nz, .row
        ret

; ---- fill_hud: two rows of text in the window, BG palette 2 --------------------
fill_hud:
        ld hl, HudText
        ld de, WINMAP
        ld b, 20
        call copy
        ld hl, HudText + 20
        ld de, WINMAP + 32
        ld b, 20
        call copy
        ld a, 1
        ldh [rVBK], a
        ld hl, WINMAP
        ld b, 64
        ld a, 2
.attr:
        ld [hl+], a
        dec b
        jr nz, .attr
        xor a
        ldh [rVBK], a
        ret

; ============================================================================
; Data
; ============================================================================
InitialState:                   ; copied to wX.. at start
        db 76, 60               ; x, y
        db 0                    ; room
        dw 0                    ; steps
        db 0, 0                 ; score (BCD)
        dw 0                    ; frame
        db 120, 40              ; coin x, y
        db 0                    ; pad
        db 0                    ; look
InitialStateEnd:

HudText:                        ; 20 characters per row (tile numbers = ASCII)
        db "   GBSTREAM DEMO    "
        db " SCORE 0000 ROOM 00 "

; Colours are RGB555: red | green << 5 | blue << 10, each 0-31.
HudPalette:
        dw 3 | 4 << 5 | 10 << 10        ; navy
        dw 10 | 12 << 5 | 20 << 10
        dw 20 | 22 << 5 | 28 << 10
        dw 31 | 31 << 5 | 26 << 10      ; cream text

ObjPalettes:
        ; palette 0: player (colour 0 is transparent for sprites)
        dw 0
        dw 31 | 26 << 5 | 6 << 10       ; yellow face
        dw 2 | 3 << 5 | 10 << 10        ; dark blue eyes
        dw 24 | 4 << 5 | 4 << 10        ; red outline
        ; palette 1: coin
        dw 0
        dw 31 | 22 << 5 | 0 << 10       ; gold
        dw 31 | 31 << 5 | 20 << 10      ; shine
        dw 16 | 9 << 5 | 0 << 10        ; brown edge

; Two palettes per look (BG palettes 0 and 1 make the checkerboard).
RoomPalettes:
        ; look 0: meadow
        dw 17 | 27 << 5 | 12 << 10, 10 | 20 << 5 | 7 << 10, 31 | 20 << 5 | 24 << 10, 4 | 10 << 5 | 4 << 10
        dw 14 | 24 << 5 | 10 << 10, 8 | 17 << 5 | 6 << 10, 31 | 20 << 5 | 24 << 10, 4 | 10 << 5 | 4 << 10
        ; look 1: brick dungeon
        dw 20 | 16 << 5 | 12 << 10, 12 | 9 << 5 | 7 << 10, 24 | 14 << 5 | 10 << 10, 6 | 4 << 5 | 4 << 10
        dw 18 | 14 << 5 | 10 << 10, 11 | 8 << 5 | 6 << 10, 22 | 12 << 5 | 8 << 10, 6 | 4 << 5 | 4 << 10
        ; look 2: desert
        dw 30 | 26 << 5 | 16 << 10, 24 | 19 << 5 | 10 << 10, 31 | 14 << 5 | 8 << 10, 12 | 8 << 5 | 4 << 10
        dw 28 | 23 << 5 | 13 << 10, 22 | 17 << 5 | 9 << 10, 31 | 14 << 5 | 8 << 10, 12 | 8 << 5 | 4 << 10
        ; look 3: ice lake
        dw 12 | 20 << 5 | 30 << 10, 24 | 28 << 5 | 31 << 10, 31 | 31 << 5 | 31 << 10, 4 | 8 << 5 | 18 << 10
        dw 10 | 17 << 5 | 28 << 10, 22 | 26 << 5 | 31 << 10, 31 | 31 << 5 | 31 << 10, 4 | 8 << 5 | 18 << 10

; 2 bits per pixel: each `row` is 8 pixels of colours 0-3.
GroundTiles:
        ; look 0: grass blades
        dw `00000000, `00000100, `01000101, `01000000, `00010000, `00010001, `10000001, `00000000
        ; look 1: bricks
        dw `11111111, `22212222, `22212222, `22212222, `11111111, `22222122, `22222122, `22222122
        ; look 2: sand ripples
        dw `00000000, `01100000, `00011000, `00000110, `00000000, `00110000, `00001100, `00000011
        ; look 3: waves
        dw `00000000, `01100000, `10011001, `00000110, `00000000, `00000110, `01100000, `10011001

Tiles:                          ; tiles 2-5, loaded once
        ; tile 2: flower
        dw `00022000, `00222200, `02233220, `02233220, `00222200, `00022000, `00010000, `00111000
        ; tile 3: player (smiley)
        dw `00333300, `03111130, `31211213, `31111113, `31211213, `31122113, `03111130, `00333300
        ; tile 4: coin, face on
        dw `00333300, `03111130, `31122113, `31211113, `31211113, `31122113, `03111130, `00333300
        ; tile 5: coin, edge on
        dw `00033000, `00311300, `00312300, `00312300, `00312300, `00312300, `00311300, `00033000
TilesEnd:

; 8x8 font, 1 bit per pixel: character code, then 8 rows. Only what the HUD uses.
Font:
        db "0", $3C, $66, $6E, $76, $66, $66, $3C, $00
        db "1", $18, $38, $18, $18, $18, $18, $7E, $00
        db "2", $3C, $66, $06, $0C, $30, $60, $7E, $00
        db "3", $3C, $66, $06, $1C, $06, $66, $3C, $00
        db "4", $0C, $1C, $2C, $4C, $7E, $0C, $0C, $00
        db "5", $7E, $60, $7C, $06, $06, $66, $3C, $00
        db "6", $3C, $60, $7C, $66, $66, $66, $3C, $00
        db "7", $7E, $06, $0C, $18, $30, $30, $30, $00
        db "8", $3C, $66, $66, $3C, $66, $66, $3C, $00
        db "9", $3C, $66, $66, $3E, $06, $0C, $38, $00
        db "A", $18, $3C, $66, $66, $7E, $66, $66, $00
        db "B", $7C, $66, $66, $7C, $66, $66, $7C, $00
        db "C", $3C, $66, $60, $60, $60, $66, $3C, $00
        db "D", $78, $6C, $66, $66, $66, $6C, $78, $00
        db "E", $7E, $60, $60, $7C, $60, $60, $7E, $00
        db "F", $7E, $60, $60, $7C, $60, $60, $60, $00
        db "G", $3C, $66, $60, $6E, $66, $66, $3E, $00
        db "M", $63, $77, $7F, $6B, $63, $63, $63, $00
        db "O", $3C, $66, $66, $66, $66, $66, $3C, $00
        db "R", $7C, $66, $66, $7C, $6C, $66, $66, $00
        db "S", $3C, $66, $60, $3C, $06, $66, $3C, $00
        db "T", $7E, $18, $18, $18, $18, $18, $18, $00
        db 0
