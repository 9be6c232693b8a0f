// Plays the page's HLS playlist (the video element's data-src) with hls.js,
// or natively where the browser plays HLS itself (Safari).
(function () {
  var video = document.getElementById('video');
  var status = document.getElementById('status');
  var src = video.getAttribute('data-src');
  function show(text) { status.textContent = text; }
  if (window.Hls && Hls.isSupported()) {
    var hls = new Hls();
    hls.on(Hls.Events.ERROR, function (_, data) {
      if (data.fatal) { show('Playback failed: ' + data.type + ' ' + data.details + (data.response ? ' (HTTP ' + data.response.code + ')' : '')); }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
  } else {
    show('This browser plays neither HLS nor Media Source Extensions.');
  }
  video.addEventListener('playing', function () { show(''); });
})();
