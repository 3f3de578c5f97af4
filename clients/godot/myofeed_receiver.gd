# myofeed for Godot 4: add this script to a Node (or make it an autoload). No addon needed: it speaks the
# little OSC it needs (types i, f, s) over one PacketPeerUDP, subscribes every 3 s from that same socket
# (so the daemon answers to it) and emits signals.
#   /emg/<muscle>/act f 0..1   /emg/<muscle>/active i   /emg/<muscle>/hold f   /emg/<muscle>/onset ii
#   /emg/<muscle>/offset iiff   /emg/sys/muscles s...   /emg/sys/heartbeat iis seq,state,name
extends Node

signal activation(muscle: String, value: float)
signal onset(muscle: String)
signal offset(muscle: String, hold_s: float, peak_act: float)
signal state_changed(state: String)

@export var daemon_host := "127.0.0.1"
@export var daemon_port := 17700
@export var listen_port := 9004

var udp := PacketPeerUDP.new()
var state := "connecting"
var _next_subscribe := 0.0
var _last_message := 0.0

func _ready() -> void:
	var err := udp.bind(listen_port, "127.0.0.1")
	if err != OK:
		push_error("myofeed: cannot listen on UDP %d (error %d)" % [listen_port, err])
	udp.set_dest_address(daemon_host, daemon_port)

func _process(_delta: float) -> void:
	var now := Time.get_ticks_msec() / 1000.0
	if now >= _next_subscribe:
		udp.put_packet(_osc("/emg/ctl/subscribe", ",s", ["muscles"]))
		_next_subscribe = now + 3.0
	while udp.get_available_packet_count() > 0:
		_last_message = now
		_handle(udp.get_packet())
	if now - _last_message > 2.5 and state != "no daemon":
		state = "no daemon"
		state_changed.emit(state)

func _exit_tree() -> void:
	udp.put_packet(_osc("/emg/ctl/unsubscribe", ",", []))
	udp.close()

func _handle(pkt: PackedByteArray) -> void:
	var b := StreamPeerBuffer.new()
	b.data_array = pkt
	b.big_endian = true
	var address := _read_string(b)
	var types := _read_string(b)
	var args := []
	for t in types.substr(1):
		match t:
			"i": args.append(b.get_32())
			"f": args.append(b.get_float())
			"s": args.append(_read_string(b))
			_: return  # myofeedd sends only i, f and s
	var parts := address.split("/")  # ["", "emg", muscle_or_sys, leaf]
	if parts.size() != 4:
		return
	if parts[2] == "sys":
		if parts[3] == "heartbeat" and args[2] != state:
			state = args[2]
			state_changed.emit(state)
		return
	match parts[3]:
		"act": activation.emit(parts[2], args[0])
		"onset": onset.emit(parts[2])
		"offset": offset.emit(parts[2], args[2], args[3])

func _read_string(b: StreamPeerBuffer) -> String:
	var start := b.get_position()
	var bytes := b.data_array
	var end := start
	while end < bytes.size() and bytes[end] != 0:
		end += 1
	b.seek(min(bytes.size(), (end + 4) & ~3))
	return bytes.slice(start, end).get_string_from_utf8()

func _osc(address: String, types: String, args: Array) -> PackedByteArray:
	var out := _padded(address) + _padded(types)
	for a in args:
		out += _padded(str(a))
	return out

func _padded(s: String) -> PackedByteArray:
	var b := s.to_utf8_buffer()
	b.append(0)
	while b.size() % 4 != 0:
		b.append(0)
	return b
