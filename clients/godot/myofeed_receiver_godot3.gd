# myofeed for Godot 3 (Debian 12's godot3 3.2): the same receiver as myofeed_receiver.gd (Godot 4) in Godot 3
# syntax. Add this script to a Node (or make it an autoload). No addon needed: it speaks the little OSC it
# needs (types i, f, s) over one PacketPeerUDP, subscribes every 3 s from that same socket (so the daemon
# answers to it; plain "muscles": it does not unpack bundles) and emits signals.
#   /emg/<muscle>/act f 0..1   /emg/<muscle>/active i   /emg/<muscle>/hold f   /emg/<muscle>/onset ii
#   /emg/<muscle>/offset iiff   /emg/sys/muscles s...   /emg/sys/heartbeat iis seq,state,name
# Tested with Debian 12's godot3-server 3.2.3, headless, against myofeedd: tests/integration/test_clients.py.
extends Node

signal activation(muscle, value)
signal onset(muscle)
signal offset(muscle, hold_s, peak_act)
signal state_changed(state)

export var daemon_host = "127.0.0.1"
export var daemon_port = 17700
export var listen_port = 9004

var udp = PacketPeerUDP.new()
var state = "connecting"
var _next_subscribe = 0.0
var _last_message = 0.0

func _ready():
	var err = udp.listen(listen_port, "127.0.0.1")
	if err != OK:
		push_error("myofeed: cannot listen on UDP %d (error %d)" % [listen_port, err])
	udp.set_dest_address(daemon_host, daemon_port)

func _process(_delta):
	var now = OS.get_ticks_msec() / 1000.0
	if now >= _next_subscribe:
		udp.put_packet(_osc("/emg/ctl/subscribe", ",s", ["muscles"]))
		_next_subscribe = now + 3.0
	while udp.get_available_packet_count() > 0:
		_last_message = now
		_handle(udp.get_packet())
	if now - _last_message > 2.5 and state != "no daemon":
		state = "no daemon"
		emit_signal("state_changed", state)

func _exit_tree():
	udp.put_packet(_osc("/emg/ctl/unsubscribe", ",", []))
	udp.close()

func _handle(pkt):
	var b = StreamPeerBuffer.new()
	b.data_array = pkt
	b.big_endian = true
	var address = _read_string(b)
	var types = _read_string(b)
	var args = []
	for i in range(1, types.length()):
		match types[i]:
			"i": args.append(b.get_32())
			"f": args.append(b.get_float())
			"s": args.append(_read_string(b))
			_: return  # myofeedd sends only i, f and s
	var parts = address.split("/")  # ["", "emg", muscle_or_sys, leaf]
	if parts.size() != 4:
		return
	if parts[2] == "sys":
		if parts[3] == "heartbeat" and args[2] != state:
			state = args[2]
			emit_signal("state_changed", state)
		return
	match parts[3]:
		"act": emit_signal("activation", parts[2], args[0])
		"onset": emit_signal("onset", parts[2])
		"offset": emit_signal("offset", parts[2], args[2], args[3])

func _read_string(b):
	var start = b.get_position()
	var bytes = b.data_array
	var end = start
	while end < bytes.size() and bytes[end] != 0:
		end += 1
	b.seek(min(bytes.size(), (end + 4) & ~3))
	if end == start:
		return ""
	return bytes.subarray(start, end - 1).get_string_from_utf8()

func _osc(address, types, args):
	var out = _padded(address) + _padded(types)
	for a in args:
		out += _padded(str(a))
	return out

func _padded(s):
	var b = s.to_utf8()
	b.append(0)
	while b.size() % 4 != 0:
		b.append(0)
	return b
