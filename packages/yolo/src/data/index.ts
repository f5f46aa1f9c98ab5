/** Detection data: one DetectionDataset type; Pascal VOC, COCO, Ultralytics YOLO and CSV readers; synthetic shape scenes. */
export type { DatasetBox, DatasetImage, DetectionDataset } from './types.js';
export { AnnotationFormatError } from './errors.js';
export { parseXml, type XmlElement } from './xml.js';
export { naturalCompare, parseVocAnnotation, readVocAnnotation, readVocDataset, type ReadVocDatasetOptions, type VocAnnotation, type VocObject } from './voc.js';
export { CSV_COLUMNS, parseCsv, parseCsvAnnotations, readCsvAnnotations, readRaccoonSplits, type CsvAnnotationsOptions } from './csv.js';
export { parseCocoJson, readCocoDataset, type CocoDataset, type CocoOptions } from './coco.js';
export { parseSimpleYaml, type YamlEntry, type YamlScalar, type YamlValue } from './simple-yaml.js';
export {
  IMAGE_EXTENSIONS,
  labelPathForImage,
  parseDataYaml,
  parseYoloLabels,
  readUltralyticsDataset,
  type ReadUltralyticsOptions,
  type UltralyticsDataConfig,
} from './ultralytics.js';
export { imageSizeFromHeader, readImageSize, type ImageSize } from './image-size.js';
export { createRng, mixSeed, type Rng } from './prng.js';
export {
  BACKGROUNDS,
  SHAPE_CLASSES,
  generateDataset,
  generateScene,
  type BackgroundKind,
  type Scene,
  type SceneObject,
  type SceneOptions,
  type ShapeClass,
} from './synthetic-scenes.js';
