-- wrk script: every connection sends `depth` GETs of the URL's path in one write and waits for
-- all their answers before the next batch (HTTP/1.1 pipelining). Usage: wrk -s pipeline.lua URL -- 16
local depth = 16

function init(args)
  depth = tonumber(args[1]) or depth
  local batch = {}
  for index = 1, depth do
    batch[index] = wrk.format(nil, nil)
  end
  pipelined = table.concat(batch)
end

function request()
  return pipelined
end
