// myofeed for Unity with OscJack (https://github.com/keijiro/OscJack, package jp.keijiro.osc-jack).
// Attach to any GameObject. It listens on listenPort, subscribes to myofeedd every 3 s (the lease is 10 s),
// and exposes the latest activation, active flag and hold time of one muscle, plus the daemon's state.
//
// Addresses and types (profile "muscles", the default):
//   /emg/<muscle>/act f 0..1      /emg/<muscle>/active i 0|1     /emg/<muscle>/hold f seconds
//   /emg/<muscle>/onset ii seq,t_ms   /emg/<muscle>/offset iiff seq,t_ms,hold_s,peak_act
//   /emg/sys/heartbeat iis seq,state,name   (name: streaming, calibrating, no_device, signal_lost, ...)
// OscJack calls back on its own thread: store values, read them in Update (never touch Unity objects there).
using OscJack;
using UnityEngine;

public sealed class MyofeedReceiver : MonoBehaviour
{
    public string daemonHost = "127.0.0.1";
    public int daemonPort = 17700;
    public int listenPort = 9003;
    public string muscle = "glute_left";

    public float Activation => _signalOk ? _act : 0f;   // 0 when there is no signal: never a frozen value
    public bool Active => _signalOk && _active != 0;
    public float Hold => _hold;
    public string DaemonState => _state;
    public int Onsets => _onsets;

    OscServer _server;
    OscClient _client;
    volatile float _act, _hold;
    volatile int _active, _onsets;
    volatile string _state = "connecting";
    volatile bool _signalOk;
    float _nextSubscribe, _lastMessage;
    volatile bool _gotMessage;

    void OnEnable()
    {
        _server = new OscServer(listenPort);
        _client = new OscClient(daemonHost, daemonPort);
        var d = _server.MessageDispatcher;
        d.AddCallback($"/emg/{muscle}/act", (a, data) => { _act = data.GetElementAsFloat(0); _gotMessage = true; });
        d.AddCallback($"/emg/{muscle}/active", (a, data) => _active = data.GetElementAsInt(0));
        d.AddCallback($"/emg/{muscle}/hold", (a, data) => _hold = data.GetElementAsFloat(0));
        d.AddCallback($"/emg/{muscle}/onset", (a, data) => _onsets++);
        d.AddCallback("/emg/sys/heartbeat", (a, data) => {
            _state = data.GetElementAsString(2);
            _signalOk = _state == "streaming" || _state == "calibrating";
            _gotMessage = true;
        });
    }

    void Update()
    {
        if (Time.unscaledTime >= _nextSubscribe) {
            _client.Send("/emg/ctl/subscribe", listenPort);   // i port: replies go to our server's port
            _nextSubscribe = Time.unscaledTime + 3f;
        }
        if (_gotMessage) { _lastMessage = Time.unscaledTime; _gotMessage = false; }
        if (Time.unscaledTime - _lastMessage > 2.5f) { _signalOk = false; _state = "no daemon"; }
    }

    void OnDisable()
    {
        _client?.Send("/emg/ctl/unsubscribe", listenPort);
        _server?.Dispose();
        _client?.Dispose();
        _server = null;
        _client = null;
    }
}
